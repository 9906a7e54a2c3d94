using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace QQuant.Tests.Docs;

/// <summary>
/// Compiles a doc's C# block in memory with Roslyn, as a program of top-level statements when it has any and as a
/// class file otherwise, against what an application referencing the QQuant packages sees. The rules are in
/// <see cref="DocSnippetTests"/>'s summary.
/// </summary>
internal static class DocSnippetCompiler
{
    /// <summary>The implicit usings of an SDK console app (<c>&lt;ImplicitUsings&gt;enable&lt;/ImplicitUsings&gt;</c>).</summary>
    private static readonly string[] ImplicitUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    /// <summary>Obsolete members: a doc should not teach them, so these warnings fail a block like errors.</summary>
    private static readonly string[] FailingWarnings = ["CS0612", "CS0618"];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);

    private static readonly SyntaxTree GlobalUsings = CSharpSyntaxTree.ParseText(
        string.Concat(ImplicitUsings.Select(u => $"global using {u};\n")), ParseOptions, "GlobalUsings.g.cs");

    /// <summary>
    /// The diagnostics that fail the block (errors, and warnings about obsolete members), located in the doc through
    /// <c>#line</c>, each followed by the doc's line it points at.
    /// </summary>
    public static IReadOnlyList<string> Problems(FencedBlock block)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(Source(block), ParseOptions, path: block.File + ".g.cs", encoding: Encoding.UTF8);
        bool program = tree.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            "DocSnippet",
            [GlobalUsings, tree],
            References.Value,
            new CSharpCompilationOptions(
                program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));
        return [.. compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error || FailingWarnings.Contains(d.Id))
            .Select(Describe)];
    }

    /// <summary>
    /// The block with its context: the context's using directives, the block's, the context's statements, the rest
    /// of the block, then the context's type declarations (top-level statements must precede types). Every part
    /// starts with a <c>#line</c> that points at its line in the doc.
    /// </summary>
    public static string Source(FencedBlock block)
    {
        var source = new StringBuilder();
        string file = block.File.Replace("\"", "", StringComparison.Ordinal);
        void At(int line, string text) => source.Append($"#line {line} \"{file}\"\n").Append(text).Append('\n');

        CompilationUnitSyntax snippet = CSharpSyntaxTree.ParseText(block.Text, ParseOptions).GetCompilationUnitRoot();
        int split = 0;
        if (snippet.Usings.Count > 0 || snippet.Externs.Count > 0)
        {
            int end = Math.Max(snippet.Usings.LastOrDefault()?.Span.End ?? 0, snippet.Externs.LastOrDefault()?.Span.End ?? 0);
            int newline = block.Text.IndexOf('\n', end);
            split = newline < 0 ? block.Text.Length : newline + 1;
        }

        CompilationUnitSyntax? context = block.Context is null ? null : CSharpSyntaxTree.ParseText(block.Context, ParseOptions).GetCompilationUnitRoot();
        int ContextLine(SyntaxNode node) => block.ContextLine + node.GetLocation().GetLineSpan().StartLinePosition.Line;

        foreach (UsingDirectiveSyntax directive in context?.Usings ?? [])
        {
            At(ContextLine(directive), directive.ToString());
        }

        At(block.ContentLine, block.Text[..split]);
        foreach (GlobalStatementSyntax statement in context?.Members.OfType<GlobalStatementSyntax>() ?? [])
        {
            At(ContextLine(statement), statement.ToString());
        }

        At(block.ContentLine + block.Text.AsSpan(0, split).Count('\n'), block.Text[split..]);
        foreach (MemberDeclarationSyntax member in context?.Members.Where(m => m is not GlobalStatementSyntax) ?? [])
        {
            At(ContextLine(member), member.ToString());
        }

        return source.ToString();
    }

    private static string Describe(Diagnostic diagnostic)
    {
        FileLinePositionSpan at = diagnostic.Location.GetMappedLineSpan();
        string message = $"{at.Path}:{at.StartLinePosition.Line + 1}:{at.StartLinePosition.Character + 1}: {diagnostic.Id}: "
                         + diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        MarkdownFile? doc = MarkdownDocs.All.FirstOrDefault(f => f.Path == at.Path);
        int line = at.StartLinePosition.Line;
        return doc is not null && line >= 0 && line < doc.Lines.Length ? $"{message}\n        {doc.Lines[line].Trim()}" : message;
    }

    /// <summary>
    /// The framework's assemblies and the closure of what QQuant.Core, QQuant.Quantizers, QQuant.Vision, TorchVision,
    /// Microsoft.Extensions.DependencyInjection and Microsoft.Extensions.Configuration.Json reference: what an
    /// application sees with those packages, and nothing of the tests (xunit, QQuant.Samples).
    /// </summary>
    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        string runtime = Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory());
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
        {
            if (Path.GetDirectoryName(path) == runtime)
            {
                paths.Add(path);
            }
        }

        Assembly[] roots =
        [
            typeof(QuantPolicy).Assembly, typeof(QQuant.Quantizers.LSQConv).Assembly, typeof(QQuant.Vision.ImageClassifier).Assembly,
            typeof(TorchSharp.torchvision).Assembly, typeof(ServiceCollectionContainerBuilderExtensions).Assembly,
            typeof(JsonConfigurationExtensions).Assembly,
        ];
        var seen = new HashSet<string>(roots.Select(a => a.GetName().Name!), StringComparer.Ordinal);
        var pending = new Queue<Assembly>(roots);
        while (pending.TryDequeue(out Assembly? assembly))
        {
            if (Path.GetDirectoryName(assembly.Location) == runtime)
            {
                continue;
            }

            paths.Add(assembly.Location);
            foreach (AssemblyName name in assembly.GetReferencedAssemblies())
            {
                if (seen.Add(name.Name!))
                {
                    pending.Enqueue(Assembly.Load(name));
                }
            }
        }

        return [.. paths.Select(p => MetadataReference.CreateFromFile(p))];
    }
}
