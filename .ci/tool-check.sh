#!/usr/bin/env bash
# Packs the qquant CLI as a .NET tool (QQuant.Cli, a pointer package, plus QQuant.Cli.linux-x64 with the publish
# output), checks what the packages hold, installs the tool from that folder into a temporary tool path and runs
# `qquant info` and `qquant quickstart --help` from another directory: the installed copy must load TorchSharp (its
# libLibTorchSharp.so patched) and carry the configs and the data subset the quickstart reads.
# Usage: .ci/tool-check.sh [work-folder]   (default: a new temporary folder)
set -euo pipefail

check=tool-check
source "$(dirname "$0")/check-common.sh" "$@"
feed="$work/nupkgs"
tools="$work/tools"
rid=linux-x64

version=$(dotnet msbuild "$repo/QQuant.Samples/QQuant.Samples.csproj" -getProperty:Version)
step "dotnet pack QQuant.Samples -c Release -o $feed"
# The publish folder that pack fills goes under the work folder, not next to the build output (another 580 MB); one
# folder serves since only linux-x64 is packed (with several RIDs, each needs its own).
rm -rf "$feed" "$work/publish"
dotnet pack "$repo/QQuant.Samples" -c Release -o "$feed" -p:PublishDir="$work/publish/" -tl:off -nologo \
  >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; fail "dotnet pack QQuant.Samples"; }
pointer="$feed/QQuant.Cli.$version.nupkg"
package="$feed/QQuant.Cli.$rid.$version.nupkg"
[ "$(ls "$feed")" = "$(printf '%s\n' "$(basename "$pointer")" "$(basename "$package")" | sort)" ] \
  || fail "the feed holds $(ls "$feed" | tr '\n' ' '), expected $(basename "$pointer") and $(basename "$package")"
step "$(basename "$pointer"): $(stat -c %s "$pointer") bytes; $(basename "$package"): $(stat -c %s "$package") bytes"

# The pointer names the command and the RID package; the RID package holds the app, its natives, configs and data.
settings=$(unzip -p "$pointer" tools/any/any/DotnetToolSettings.xml)
grep -qF '<Command Name="qquant" />' <<<"$settings" || fail "QQuant.Cli's DotnetToolSettings.xml does not name the command qquant: $settings"
grep -qF "<RuntimeIdentifierPackage RuntimeIdentifier=\"$rid\" Id=\"QQuant.Cli.$rid\" />" <<<"$settings" \
  || fail "QQuant.Cli's DotnetToolSettings.xml does not point at QQuant.Cli.$rid: $settings"
contents=$(unzip -Z1 "$package")   # listed first: grep -q would stop reading and break the pipe
root="tools/net10.0/$rid"
for file in qquant qquant.dll DotnetToolSettings.xml libLibTorchSharp.so libtorch_cpu.so \
            configs/FLOAT/cres20/config1_cres20_float_m1_128_32w32f.json configs/LSQ/cres20/config1_cres20_lsq_m1_128_4w4f.json \
            data/fashion-mnist-subset/train-images-idx3-ubyte.gz data/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz; do
  grep -qx "$root/$file" <<<"$contents" || fail "QQuant.Cli.$rid lacks $root/$file"
done
others=$(grep -E '(^|/)runtimes/' <<<"$contents" || true)
[ -z "$others" ] || fail "QQuant.Cli.$rid carries natives of other RIDs: $(head -3 <<<"$others")"

# The packed libLibTorchSharp.so is TorchSharp's file with the one patched byte.
torchsharp_nupkg="${NUGET_PACKAGES:-$HOME/.nuget/packages}/torchsharp/0.107.0/torchsharp.0.107.0.nupkg"
[ -f "$torchsharp_nupkg" ] || fail "$torchsharp_nupkg was not found"
unzip -p "$torchsharp_nupkg" runtimes/$rid/native/libLibTorchSharp.so >"$work/shipped-libLibTorchSharp.so"
unzip -p "$package" "$root/libLibTorchSharp.so" >"$work/packed-libLibTorchSharp.so"
differing=$(cmp -l "$work/shipped-libLibTorchSharp.so" "$work/packed-libLibTorchSharp.so" | wc -l || true)
[ "$differing" = 1 ] || fail "the packed libLibTorchSharp.so differs from the shipped library in $differing bytes, expected exactly 1"

step "dotnet tool install --tool-path $tools --add-source $feed QQuant.Cli --version $version"
rm -rf "$tools"
(cd "$work" && dotnet tool install --tool-path "$tools" --add-source "$feed" QQuant.Cli --version "$version") \
  >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dotnet tool install"; }

(cd / && "$tools/qquant" info) >"$work/info.txt" 2>&1 || { cat "$work/info.txt"; fail "$tools/qquant info exited non-zero"; }
grep -E '^(QQuant version|TorchSharp version|libtorch version|GLIBCXX_3.4.32 patch|TorchSharp native library):' "$work/info.txt"
grep -qE '^libtorch version: +[0-9]' "$work/info.txt" || fail "the installed qquant info did not report a libtorch version"
grep -qE "^QQuant version: +$version\$" "$work/info.txt" || fail "the installed qquant info did not report QQuant version $version"
grep -qE "^TorchSharp native library: +$tools/" "$work/info.txt" || fail "the installed qquant loaded TorchSharp from outside $tools"

(cd / && "$tools/qquant" quickstart --help) >"$work/quickstart-help.txt" 2>&1 \
  || { cat "$work/quickstart-help.txt"; fail "$tools/qquant quickstart --help exited non-zero"; }
for text in 'qquant quickstart \[options\]' '--work-dir' '--data-root'; do
  grep -qE -- "$text" "$work/quickstart-help.txt" || { cat "$work/quickstart-help.txt"; fail "qquant quickstart --help lacks '$text'"; }
done
step "passed"
