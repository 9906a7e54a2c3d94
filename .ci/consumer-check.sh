#!/usr/bin/env bash
# Packs QQuant into a local folder, checks what the packages hold, then builds, runs and publishes a throwaway
# console app outside the solution that references QQuant.Core and QQuant.Quantizers from that folder plus
# TorchSharp-cpu and TorchVision, and quantizes a TorchVision resnet18. Proves that the buildTransitive targets reach
# consumers (TorchSharp loads with no extra step, the NuGet cache stays pristine) and that the packed policy API works.
# Usage: .ci/consumer-check.sh [work-folder]   (default: a new temporary folder)
set -euo pipefail

check=consumer-check
source "$(dirname "$0")/check-common.sh" "$@"
feed="$work/feed"

version=$(dotnet msbuild "$repo/QQuant.Core/QQuant.Core.csproj" -getProperty:Version)
step "packing QQuant $version into $feed"
dotnet pack "$repo/QQuant.sln" -c Release -o "$feed" -tl:off -nologo >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; fail "dotnet pack"; }

# Each package holds its library, XML docs, readme and (QQuant.Core) the build targets: nothing else.
for id in QQuant.Core QQuant.Quantizers QQuant.Vision; do
  nupkg="$feed/$id.$version.nupkg"
  [ -f "$nupkg" ] || fail "$nupkg was not produced"
  [ -f "$feed/$id.$version.snupkg" ] || fail "$feed/$id.$version.snupkg was not produced"
  expected="README.md
lib/net10.0/$id.dll
lib/net10.0/$id.xml
$id.nuspec"
  if [ "$id" = QQuant.Core ]; then
    expected="$expected
buildTransitive/QQuant.Core.BuildTasks.dll
buildTransitive/QQuant.Core.targets"
  fi
  actual=$(unzip -Z1 "$nupkg" | grep -v -E '^(_rels/\.rels|\[Content_Types\]\.xml|package/services/metadata/core-properties/[^/]+\.psmdcp)$' | sort)
  [ "$actual" = "$(echo "$expected" | sort)" ] || fail "$id holds unexpected files:
$actual
expected:
$expected"
  nuspec=$(unzip -p "$nupkg" "$id.nuspec")
  for field in "<id>$id</id>" "<version>$version</version>" "<authors>" "<description>" \
               '<license type="expression">MIT</license>' "<readme>README.md</readme>" "<tags>" \
               '<dependency id="TorchSharp" version="0.107.0"'; do
    grep -qF "$field" <<<"$nuspec" || fail "$id.nuspec lacks $field"
  done
  dependencies=$(grep -oE '<dependency id="[^"]+" version="[^"]+"' <<<"$nuspec" | sed -E 's/<dependency id="([^"]+)" version="([^"]+)"/\1 \2/' | sort | tr '\n' ' ')
  case "$id" in
    QQuant.Core) expected_dependencies="$(printf '%s 10.0.15 ' Microsoft.Extensions.Configuration.Abstractions \
      Microsoft.Extensions.Configuration.Json Microsoft.Extensions.DependencyInjection.Abstractions Microsoft.Extensions.Logging.Abstractions \
      Microsoft.Extensions.Options)TorchSharp 0.107.0 TorchSharp.PyBridge 1.4.4 " ;;
    QQuant.Vision) expected_dependencies="Microsoft.Extensions.Logging.Abstractions 10.0.15 Microsoft.ML.OnnxRuntime.Managed 1.32.0 QQuant.Core $version SixLabors.ImageSharp 2.1.13 TorchSharp 0.107.0 " ;;
    *) expected_dependencies="QQuant.Core $version TorchSharp 0.107.0 " ;;
  esac
  [ "$dependencies" = "$expected_dependencies" ] || fail "$id depends on '$dependencies', expected '$expected_dependencies'"
  symbols=$(unzip -Z1 "$feed/$id.$version.snupkg")   # listed first: grep -q would stop reading and break the pipe
  grep -qx "lib/net10.0/$id.pdb" <<<"$symbols" || fail "$id.snupkg lacks its pdb"
  step "$id $version: contents and metadata as expected"
done

step "the packaged patch task leaves a file it cannot read untouched, says why, and does not fail the build"
taskcheck="$work/taskcheck"
rm -rf "$taskcheck" && mkdir -p "$taskcheck/targets" "$taskcheck/out"
unzip -q -o "$feed/QQuant.Core.$version.nupkg" 'buildTransitive/*' -d "$taskcheck/targets"
printf 'not an ELF file, though named like one, and long enough to hold an ELF header...\n' >"$taskcheck/out/libLibTorchSharp.so"
cp "$taskcheck/out/libLibTorchSharp.so" "$taskcheck/original"
cat >"$taskcheck/check.proj" <<EOF
<Project>
  <Import Project="$taskcheck/targets/buildTransitive/QQuant.Core.targets" />
  <Target Name="Check">
    <PatchLibTorchSharp Files="$taskcheck/out/libLibTorchSharp.so" />
  </Target>
</Project>
EOF
dotnet msbuild "$taskcheck/check.proj" -t:Check -tl:off -nologo >"$taskcheck/log" 2>&1 || { cat "$taskcheck/log"; fail "the patch task failed the build"; }
grep -F "QQuant: left $taskcheck/out/libLibTorchSharp.so untouched: not an ELF file" "$taskcheck/log" || { cat "$taskcheck/log"; fail "the patch task did not say why it left the file untouched"; }
cmp -s "$taskcheck/original" "$taskcheck/out/libLibTorchSharp.so" || fail "the patch task modified a file it could not read"
[ "$(ls "$taskcheck/out")" = libLibTorchSharp.so ] || fail "the patch task left files behind: $(ls "$taskcheck/out")"

app="$work/app"
rm -rf "$app" && mkdir -p "$app"
cp "$repo/.ci/consumer/Consumer.csproj" "$repo/.ci/consumer/Program.cs" "$app/"
# QQuant packages go to a private packages folder, so a re-packed 0.1.0 is never shadowed by an older copy in the
# user's cache; everything else is found in the user's cache first (a fallback folder is only read).
cat >"$app/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <fallbackPackageFolders>
    <add key="user-cache" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" />
  </fallbackPackageFolders>
  <packageSources>
    <clear />
    <add key="qquant-local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
</configuration>
EOF

build() { dotnet build "$app" -c Release -tl:off -nologo -clp:PerformanceSummary -p:QQuantVersion="$version" "$@"; }
patch_time() { echo "consumer-check: $1: $(grep -m1 -E '^ +[0-9]+ ms +QQuantPatchLibTorchSharpInOutput ' "$2" | sed -E 's/^ +//; s/ +/ /g')"; }
patched_lines() { grep -c 'QQuant: patched .*libLibTorchSharp.so' "$1" || true; }

step "building the consumer app"
build >"$work/build1.log" 2>&1 || { cat "$work/build1.log"; fail "first build of the consumer app"; }
[ "$(patched_lines "$work/build1.log")" = 1 ] || { cat "$work/build1.log"; fail "the first build should log exactly one 'QQuant: patched' line"; }
grep 'QQuant: patched' "$work/build1.log"
patch_time "time of the patch target when it patches" "$work/build1.log"

step "running it from another directory"
(cd / && dotnet "$app/bin/Release/net10.0/Consumer.dll") || fail "the consumer app did not run"

step "building again: nothing to patch, nothing logged"
build >"$work/build2.log" 2>&1 || { cat "$work/build2.log"; fail "second build of the consumer app"; }
[ "$(patched_lines "$work/build2.log")" = 0 ] || fail "the second build patched again: $(grep 'QQuant: patched' "$work/build2.log")"
patch_time "time of the patch target when the copy is already patched" "$work/build2.log"

step "dotnet run"
dotnet run --project "$app" -c Release --no-build -p:QQuantVersion="$version" || fail "dotnet run of the consumer app"

for mode in false true; do
  out="$work/publish-selfcontained-$mode"
  step "dotnet publish -r linux-x64 --self-contained $mode"
  dotnet publish "$app" -c Release -r linux-x64 --self-contained "$mode" -o "$out" -tl:off -nologo \
    -p:QQuantVersion="$version" >"$work/publish-$mode.log" 2>&1 || { cat "$work/publish-$mode.log"; fail "publish --self-contained $mode"; }
  (cd / && "$out/Consumer") || fail "the published consumer (--self-contained $mode) did not run"
done

step "opting out: -p:QQuantPatchLibTorchSharp=false leaves TorchSharp's file as shipped"
build -p:QQuantPatchLibTorchSharp=false -o "$work/optout" >"$work/build-optout.log" 2>&1 || { cat "$work/build-optout.log"; fail "opt-out build"; }
[ "$(patched_lines "$work/build-optout.log")" = 0 ] || fail "the opt-out build patched"

# The shipped library, straight from the TorchSharp package archive, against the user cache, the opt-out output and
# the patched outputs.
torchsharp_dir=""
for root in "$work/packages" "${NUGET_PACKAGES:-$HOME/.nuget/packages}"; do
  [ -d "$root/torchsharp/0.107.0" ] && { torchsharp_dir="$root/torchsharp/0.107.0"; break; }
done
[ -n "$torchsharp_dir" ] || fail "TorchSharp 0.107.0 was not found in any packages folder"
shipped="$work/shipped-libLibTorchSharp.so"
unzip -p "$torchsharp_dir/torchsharp.0.107.0.nupkg" runtimes/linux-x64/native/libLibTorchSharp.so >"$shipped"
cmp -s "$shipped" "$torchsharp_dir/runtimes/linux-x64/native/libLibTorchSharp.so" || fail "the NuGet cache copy of libLibTorchSharp.so was modified"
cmp -s "$shipped" "$work/optout/runtimes/linux-x64/native/libLibTorchSharp.so" || fail "the opt-out output is not TorchSharp's file as shipped"
for patched in "$app/bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so" \
               "$work/publish-selfcontained-false/libLibTorchSharp.so" "$work/publish-selfcontained-true/libLibTorchSharp.so"; do
  differing=$(cmp -l "$shipped" "$patched" | wc -l || true)
  [ "$differing" = 1 ] || fail "$patched differs from the shipped library in $differing bytes, expected exactly 1"
done

step "passed"
