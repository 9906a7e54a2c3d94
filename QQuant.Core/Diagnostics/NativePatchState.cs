namespace QQuant;

/// <summary>Whether libLibTorchSharp.so needed QQuant's GLIBCXX_3.4.32 patch on this machine, and whether it has it.</summary>
public enum NativePatchState
{
    /// <summary>Not Linux: the patch concerns Linux builds only.</summary>
    NotApplicable,

    /// <summary>No libLibTorchSharp.so was found where this application loads native libraries from.</summary>
    LibraryNotFound,

    /// <summary>The library or libstdc++ could not be read as ELF64; the summary says why.</summary>
    Unreadable,

    /// <summary>This libLibTorchSharp.so does not ask for GLIBCXX_3.4.32: nothing to patch.</summary>
    NotRequired,

    /// <summary>The library asks for GLIBCXX_3.4.32 and this libstdc++ provides it: no patch needed, none applied.</summary>
    NotNeeded,

    /// <summary>This libstdc++ lacks GLIBCXX_3.4.32 and the library's need for it is marked weak: patched, and needed.</summary>
    Applied,

    /// <summary>The need is marked weak although this libstdc++ provides GLIBCXX_3.4.32: patched, harmlessly.</summary>
    AppliedNotNeeded,

    /// <summary>This libstdc++ lacks GLIBCXX_3.4.32 and the need is not weak: TorchSharp cannot load.</summary>
    Missing,
}
