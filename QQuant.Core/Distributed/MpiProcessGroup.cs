using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>
/// The processes <c>mpirun</c> started, as one <see cref="IProcessGroup"/> over <c>MPI_COMM_WORLD</c>. Tensors on a
/// GPU go through host memory (Debian's Open MPI is not CUDA-aware).
/// </summary>
public sealed unsafe class MpiProcessGroup : IProcessGroup
{
    private readonly MpiLibrary _mpi;
    private readonly bool _initializedHere;
    private bool _disposed;

    private MpiProcessGroup(MpiLibrary mpi, bool initializedHere)
    {
        _mpi = mpi;
        _initializedHere = initializedHere;
        Rank = mpi.Rank();
        Size = mpi.Size();
    }

    /// <summary>Initialises MPI (unless something already did) and joins <c>MPI_COMM_WORLD</c>.</summary>
    /// <exception cref="DistributedException">No MPI library is installed, or MPI cannot start.</exception>
    public static MpiProcessGroup Start()
    {
        MpiLibrary mpi = MpiLibrary.Load();
        bool initialize = !mpi.Initialized();
        if (initialize)
        {
            mpi.Init();
        }

        return new MpiProcessGroup(mpi, initialize);
    }

    /// <summary>
    /// The processes mpirun started on this machine (Open MPI's <c>OMPI_COMM_WORLD_LOCAL_SIZE</c>, MPICH's
    /// <c>MPI_LOCALNRANKS</c>), or 1 outside mpirun.
    /// </summary>
    public static int LocalProcesses =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE") ?? Environment.GetEnvironmentVariable("MPI_LOCALNRANKS"), out int n) && n > 0 ? n : 1;

    /// <summary>
    /// This process's place among those on its machine (Open MPI's <c>OMPI_COMM_WORLD_LOCAL_RANK</c>, MPICH's
    /// <c>MPI_LOCALRANKID</c>), or 0 outside mpirun: which GPU it takes.
    /// </summary>
    public static int LocalRank =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_RANK") ?? Environment.GetEnvironmentVariable("MPI_LOCALRANKID"), out int n) && n >= 0 ? n : 0;

    /// <summary>
    /// Gives this process's libtorch its share of the machine's cores (PyTorch's launcher sets one thread per
    /// process), unless <c>OMP_NUM_THREADS</c> says otherwise; returns the thread count.
    /// </summary>
    public static int ShareCores()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out int chosen) && chosen > 0)
        {
            return chosen;
        }

        int threads = Math.Max(1, Environment.ProcessorCount / LocalProcesses);
        torch.set_num_threads(threads);
        return threads;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <inheritdoc />
    public string Backend => $"mpi ({_mpi.Name}, {_mpi.Path})";

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor)
    {
        ProcessGroupChecks.Floating(tensor);
        OnHost(tensor, host => Chunks(host, (pointer, count, type) => _mpi.AllReduceSumInPlace(pointer, count, type)));
    }

    /// <inheritdoc />
    public void AllReduceSum(Span<double> values)
    {
        fixed (double* pointer = values)
        {
            _mpi.AllReduceSumInPlace(pointer, values.Length, _mpi.Double);
        }
    }

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ProcessGroupChecks.Floating(tensor);
        ProcessGroupChecks.Root(root, Size);
        OnHost(tensor, host => Chunks(host, (pointer, count, type) => _mpi.Broadcast(pointer, count, type, root)));
    }

    /// <inheritdoc />
    public void Barrier() => _mpi.Barrier();

    /// <inheritdoc />
    public void Abort(int code) => _mpi.Abort(code);

    /// <summary>Finalises MPI if this group initialised it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_initializedHere && !_mpi.Finalized())
        {
            _mpi.Shutdown();
        }
    }

    private delegate void Collective(void* pointer, int count, nint datatype);

    private static void OnHost(Tensor tensor, Action<Tensor> run)
    {
        if (tensor.device_type == DeviceType.CPU)
        {
            run(tensor);
            return;
        }

        using Tensor host = tensor.cpu();
        run(host);
        using var noGrad = no_grad();
        tensor.copy_(host);
    }

    // MPI counts are int: a tensor of more elements goes in pieces.
    private void Chunks(Tensor host, Collective collective)
    {
        long total = host.numel();
        if (total == 0)
        {
            return;
        }

        int size = (int)host.element_size();
        nint type = host.dtype == ScalarType.Float64 ? _mpi.Double : _mpi.Float;
        byte* start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(host.bytes));
        for (long offset = 0; offset < total; offset += int.MaxValue)
        {
            int count = (int)Math.Min(int.MaxValue, total - offset);
            collective(start + (offset * size), count, type);
        }
    }
}
