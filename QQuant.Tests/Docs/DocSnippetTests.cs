using System.Text.RegularExpressions;

namespace QQuant.Tests.Docs;

/// <summary>
/// The docs (README.md, CONTRIBUTING.md, docs/*.md, the README each package ships, the READMEs of
/// QQuant.Samples/examples/*) against the current API and CLI: every C# block compiles, and every <c>qquant</c>
/// command parses. One case per block or command, named by file and line.
/// </summary>
/// <remarks>
/// <para><b>C# blocks</b> (fences marked <c>csharp</c>, <c>cs</c> or <c>c#</c>) are compiled in memory with Roslyn 5.0
/// (the compiler of the SDK global.json names), C# latest, nullable enabled, with a console app's implicit usings
/// (System, System.IO, System.Linq, System.Collections.Generic, System.Net.Http, System.Threading,
/// System.Threading.Tasks), against the framework and what the QQuant.Core, QQuant.Quantizers, QQuant.Vision,
/// TorchVision, Microsoft.Extensions.DependencyInjection and Microsoft.Extensions.Configuration.Json packages bring.
/// A block with top-level statements is a program (types may follow the statements); one without is a class file.
/// Errors fail the block, and so do warnings about obsolete members; each is reported as <c>file:line:column</c> in
/// the doc with the doc's line.</para>
/// <para><b>Fragments.</b> Everything else a block uses must be declared in the block, or in a
/// <c>&lt;!-- snippet-context: ... --&gt;</c> comment that ends on the line just before the fence (one line or
/// several; GitHub does not show it). The comment holds C#: its using directives go before the block's, its
/// statements (such as <c>Tensor batches = ...;</c>) after the block's usings, its types after the block. Keep it to
/// what the text says comes from elsewhere (the reader's model, data, an earlier block); a block that is not meant to
/// compile is marked <c>text</c>, not <c>csharp</c>. CONTRIBUTING.md, "Code in the docs", says the same.</para>
/// <para><b>Commands</b> are the lines of plain, <c>bash</c>, <c>sh</c>, <c>shell</c>, <c>console</c> and <c>text</c>
/// fences, and the inline code spans of the prose (a span may run over a line break), that start with
/// <c>qquant </c> or <c>dotnet run --project QQuant.Samples [build options] -- </c>, after an optional <c>$ </c>
/// prompt and <c>NAME=value</c> assignments; <c>mpirun ... qquant ...</c> counts from <c>qquant</c>. In a fence a
/// line ending in <c>\</c> continues on the next, and so does a synopsis wrapped onto an indented line starting with
/// <c>[</c>. What follows <c>qquant</c> is split as a shell would (quotes, backslashes), a <c>#</c> comment and
/// anything after an unquoted <c>|</c>, <c>&gt;</c>, <c>&lt;</c>, <c>;</c> or <c>&amp;</c> are dropped, a
/// placeholder <c>&lt;...&gt;</c> (also <c>&lt;file&gt;...</c>) and a shell variable <c>$q</c> become the word
/// <c>x</c>, and a word <c>...</c> is dropped. Then it is parsed by <c>QQuantCli.Build(...).Parse</c>, which runs
/// nothing:</para>
/// <list type="bullet">
/// <item>an example must parse without errors, unless every word is a command name (<c>qquant plan</c> in prose names
/// the command, which must exist);</item>
/// <item>a synopsis (a line with <c>[optional]</c> groups) must parse without its groups; every option a group names
/// (<c>[--seed n]</c>, <c>[--breakdown|--no-breakdown]</c>) must be an option of that command; each group added alone
/// must leave no word unmatched (a flag written with a value, too many values); and every choice of a group with
/// <c>|</c> (<c>[--format table|markdown|json]</c>) must parse. Otherwise values are not converted, so metavariables
/// such as <c>n</c> pass; a group that does not start with <c>-</c> (<c>[device]</c>) is a positional placeholder.</item>
/// </list>
/// </remarks>
public partial class DocSnippetTests
{
    public static TheoryData<string> CSharpBlocks => new(MarkdownDocs.CSharpBlocks.Keys);

    public static TheoryData<string> Commands => new(MarkdownDocs.Commands.Keys);

    [Theory]
    [MemberData(nameof(CSharpBlocks))]
    public void CSharp_block_compiles(string block)
    {
        FencedBlock snippet = MarkdownDocs.CSharpBlocks[block];

        IReadOnlyList<string> problems = DocSnippetCompiler.Problems(snippet);

        Assert.True(problems.Count == 0,
            $"The C# block at {snippet.Key} does not compile against the current API:\n{string.Join("\n", problems)}");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Qquant_command_parses(string command)
    {
        DocCommand line = MarkdownDocs.Commands[command];

        IReadOnlyList<string> problems = DocCommandLine.Problems(line.Arguments);

        Assert.True(problems.Count == 0,
            $"{line.File}:{line.Line}: `{line.Written}` does not parse with the current CLI:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void Every_doc_is_read_and_blocks_and_commands_are_found()
    {
        Assert.Contains(MarkdownDocs.All, f => f.Path == "README.md");
        Assert.Contains(MarkdownDocs.All, f => f.Path == "CONTRIBUTING.md");
        Assert.Contains(MarkdownDocs.All, f => f.Path == "docs/cli.md");
        Assert.Contains(MarkdownDocs.CSharpBlocks.Values, b => b.File == "README.md");
        Assert.Contains(MarkdownDocs.Commands.Values, c => c.File == "docs/cli.md" && c.Arguments.StartsWith("bench faults", StringComparison.Ordinal));
        Assert.True(MarkdownDocs.CSharpBlocks.Count >= 12, $"only {MarkdownDocs.CSharpBlocks.Count} C# blocks found");
        Assert.True(MarkdownDocs.Commands.Count >= 50, $"only {MarkdownDocs.Commands.Count} qquant commands found");
    }

    [Fact]
    public void Every_readme_that_ships_is_read()
    {
        Assert.Equal(
            ["QQuant.Core/README.md", "QQuant.Quantizers/README.md", "QQuant.Samples/README.md", "QQuant.Vision/README.md"],
            MarkdownDocs.PackageReadmes.Order(StringComparer.Ordinal));
        Assert.Contains("QQuant.Samples/examples/CustomQuantizer/README.md", MarkdownDocs.ExampleReadmes);
        Assert.Contains("QQuant.Samples/examples/QuantizeTorchVision/README.md", MarkdownDocs.ExampleReadmes);
        var read = MarkdownDocs.All.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        Assert.All(MarkdownDocs.PackageReadmes.Concat(MarkdownDocs.ExampleReadmes), path => Assert.Contains(path, read));
        Assert.Contains(MarkdownDocs.CSharpBlocks.Values, b => b.File == "QQuant.Quantizers/README.md");
        Assert.Contains(MarkdownDocs.CSharpBlocks.Values, b => b.File == "QQuant.Vision/README.md");
        Assert.Contains(MarkdownDocs.CSharpBlocks.Values, b => b.File == "QQuant.Samples/examples/CustomQuantizer/README.md");
    }

    /// <summary>
    /// Every line of a doc that opens a C# fence (found by a plain pattern, not by the fence parser, and not inside
    /// another fence such as CONTRIBUTING.md's Markdown example) opens a C# block the test compiles: a fence the parser
    /// misses, say one indented in a list item, fails here instead of going unchecked.
    /// </summary>
    [Fact]
    public void Every_csharp_fence_of_every_doc_is_a_block()
    {
        Assert.NotEmpty(MarkdownDocs.All);
        var missed = new List<string>();
        foreach (MarkdownFile doc in MarkdownDocs.All)
        {
            for (int line = 1; line <= doc.Lines.Length; line++)
            {
                bool inside = doc.Fences.Any(f => line > f.Line && line <= f.Line + f.Text.Count('\n') + 1);
                bool compiled = MarkdownDocs.CSharpBlocks.ContainsKey($"{doc.Path}:{line}");
                if (CSharpFenceLine().IsMatch(doc.Lines[line - 1]) && !inside && !compiled)
                {
                    missed.Add($"{doc.Path}:{line}");
                }
            }
        }

        Assert.True(missed.Count == 0, $"```csharp fences that are no C# block of the test: {string.Join(", ", missed)}");
    }

    [Fact]
    public void Every_snippet_context_comment_precedes_a_csharp_block()
    {
        var stray = MarkdownDocs.All.SelectMany(f => f.StrayContextLines.Select(l => $"{f.Path}:{l}")).ToList();

        Assert.True(stray.Count == 0, $"snippet-context comments not directly before a ```csharp fence: {string.Join(", ", stray)}");
    }

    [Theory]
    [InlineData("train x --work-dir d")]
    [InlineData("train <config> [--seed n] [--launcher none|mpi]")]
    [InlineData("predict --onnx <model.onnx> --image <file>...")]
    [InlineData("test $lsq $q/lsq_4w4f/latest.ckpt --out results.json     # a comment")]
    [InlineData("infer --config x --image \"$q/images/test_0_Ankle boot.png\" | head -1")]
    [InlineData("plan")]
    [InlineData("bench")]
    public void The_command_rules_accept_what_the_docs_write(string arguments)
    {
        Assert.Empty(DocCommandLine.Problems(arguments));
    }

    [Theory]
    [InlineData("train x --wrok-dir d", "--wrok-dir")]
    [InlineData("bench acuracy --quick", "acuracy")]
    [InlineData("train <config> [--seed n] [--no-valdate]", "--no-valdate")]
    [InlineData("plan --config <file> [--format table|html]", "html")]
    [InlineData("test <config> [--out results.json]", "without its [optional] parts")]
    [InlineData("export <config> <checkpoint> [--verify yes]", "'yes'")]
    public void The_command_rules_reject_a_misspelt_or_missing_part(string arguments, string named)
    {
        IReadOnlyList<string> problems = DocCommandLine.Problems(arguments);

        Assert.Contains(problems, p => p.Contains(named, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\s*(`{3,}|~{3,})\s*(csharp|cs|c#)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex CSharpFenceLine();
}
