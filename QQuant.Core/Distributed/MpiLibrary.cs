using System.Runtime.InteropServices;

namespace QQuant.Distributed;

/// <summary>
/// The dozen MPI functions data parallelism needs, bound at run time to Open MPI's <c>libmpi.so.40</c> or MPICH's
/// <c>libmpich.so.12</c> (or the library in <c>QQUANT_MPI_LIBRARY</c>): the one whose launcher started the process
/// first.
/// </summary>
/// <remarks>
/// The two differ in their handles: Open MPI's are the addresses of exported objects (<c>ompi_mpi_comm_world</c>, ...),
/// MPICH's are integer constants from its <c>mpi.h</c>. Both are passed as a pointer-sized integer, which is how the
/// x64 calling conventions pass an <c>int</c> too. <c>MPI_IN_PLACE</c> is <c>(void*)1</c> in Open MPI and
/// <c>(void*)-1</c> in MPICH.
/// </remarks>
internal sealed unsafe class MpiLibrary
{
    private const int Success = 0;

    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<nint, nint, int> _init;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<nint, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;

    private MpiLibrary(string name, string path, nint library, bool openMpi)
    {
        Name = name;
        Path = path;
        _initialized = (delegate* unmanaged<int*, int>)Export(library, "MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export(library, "MPI_Finalized");
        _init = (delegate* unmanaged<nint, nint, int>)Export(library, "MPI_Init");
        _finalize = (delegate* unmanaged<int>)Export(library, "MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export(library, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export(library, "MPI_Comm_size");
        _allreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, int>)Export(library, "MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(library, "MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export(library, "MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export(library, "MPI_Abort");
        if (openMpi)
        {
            CommWorld = Export(library, "ompi_mpi_comm_world");
            Float = Export(library, "ompi_mpi_float");
            Double = Export(library, "ompi_mpi_double");
            Sum = Export(library, "ompi_mpi_op_sum");
            InPlace = 1;
        }
        else
        {
            CommWorld = 0x44000000;
            Float = 0x4c00040a;
            Double = 0x4c00080b;
            Sum = 0x58000003;
            InPlace = -1;
        }
    }

    /// <summary>The environment variable that names the MPI library to load instead of the default ones.</summary>
    public const string LibraryVariable = "QQUANT_MPI_LIBRARY";

    /// <summary>Which MPI this is (Open MPI or MPICH).</summary>
    public string Name { get; }

    /// <summary>The library file loaded.</summary>
    public string Path { get; }

    public nint CommWorld { get; }

    public nint Float { get; }

    public nint Double { get; }

    public nint Sum { get; }

    public nint InPlace { get; }

    /// <summary>Loads Open MPI or MPICH.</summary>
    /// <exception cref="DistributedException">Neither is installed (the message says what to install).</exception>
    public static MpiLibrary Load()
    {
        string? chosen = Environment.GetEnvironmentVariable(LibraryVariable);
        // The launcher's environment says whose processes these are: MPICH's Hydra sets PMI_* without OMPI_*.
        bool mpichLaunched = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is null && Environment.GetEnvironmentVariable("PMI_SIZE") is not null;
        string[] candidates = chosen is { Length: > 0 } ? [chosen]
            : mpichLaunched ? ["libmpich.so.12", "libmpi.so.12", "libmpi.so.40"]
            : ["libmpi.so.40", "libmpich.so.12", "libmpi.so.12"];
        foreach (string file in candidates)
        {
            if (NativeLibrary.TryLoad(file, out nint library))
            {
                // Open MPI exports its predefined handles as objects; MPICH's are constants.
                bool openMpi = NativeLibrary.TryGetExport(library, "ompi_mpi_comm_world", out _);
                return new MpiLibrary(openMpi ? "Open MPI" : "MPICH", file, library, openMpi);
            }
        }

        throw new DistributedException(
            $"--launcher mpi needs an MPI library, and none loads (tried {string.Join(", ", candidates)}): install Open MPI "
            + "(Debian/Ubuntu: apt install openmpi-bin) or MPICH (apt install mpich), or set "
            + $"{LibraryVariable} to the path of libmpi.so.");
    }

    public bool Initialized()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public bool Finalized()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    public void Init() => Check(_init(0, 0), "MPI_Init");

    public void Shutdown() => Check(_finalize(), "MPI_Finalize");

    public int Rank()
    {
        int rank;
        Check(_commRank(CommWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int Size()
    {
        int size;
        Check(_commSize(CommWorld, &size), "MPI_Comm_size");
        return size;
    }

    public void AllReduceSumInPlace(void* buffer, int count, nint datatype) =>
        Check(_allreduce(InPlace, buffer, count, datatype, Sum, CommWorld), "MPI_Allreduce");

    public void Broadcast(void* buffer, int count, nint datatype, int root) =>
        Check(_bcast(buffer, count, datatype, root, CommWorld), "MPI_Bcast");

    public void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");

    public void Abort(int code) => _abort(CommWorld, code);

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out nint address)
            ? address
            : throw new DistributedException($"The MPI library has no '{name}': it is not an MPI 3 library.");

    private static void Check(int code, string function)
    {
        if (code != Success)
        {
            throw new DistributedException($"{function} failed with MPI error code {code}.");
        }
    }
}
