namespace Toolkit.Ml.Training;

/// <summary>
/// The one place that lists the learning algorithms. Commands, components and documentation all
/// discover algorithms here, so adding one means adding one line to <see cref="Create"/>.
/// </summary>
public sealed class AlgorithmCatalog
{
    private readonly Dictionary<string, IAlgorithm> _byName;

    public AlgorithmCatalog(IEnumerable<IAlgorithm> algorithms)
    {
        ArgumentNullException.ThrowIfNull(algorithms);
        _byName = new Dictionary<string, IAlgorithm>(StringComparer.Ordinal);
        foreach (var a in algorithms)
        {
            if (!_byName.TryAdd(a.Name, a))
            {
                throw new ArgumentException($"Algorithm '{a.Name}' is registered twice.", nameof(algorithms));
            }
        }
    }

    /// <summary>The catalog with every built-in algorithm.</summary>
    public static AlgorithmCatalog Default { get; } = Create();

    public IReadOnlyCollection<IAlgorithm> All => _byName.Values;

    public IEnumerable<string> Names => _byName.Keys.Order(StringComparer.Ordinal);

    public bool TryGet(string name, out IAlgorithm algorithm) => _byName.TryGetValue(name, out algorithm!);

    /// <summary>The algorithm named <paramref name="name"/>, or an error listing the valid names.</summary>
    public IAlgorithm Get(string name) =>
        _byName.TryGetValue(name, out var a)
            ? a
            : throw new InvalidParameterException(
                $"Unknown algorithm '{name}'; valid algorithms: {string.Join(", ", Names)}.");

    private static AlgorithmCatalog Create() => new(
    [
        // Built-in algorithms, one per line.
        new Linear.LassoAlgorithm(),
        new Linear.ElasticNetAlgorithm(),
        new Linear.RidgeAlgorithm(),
        new Linear.LogisticRegressionAlgorithm(),
        new Trees.RandomForestAlgorithm(),
        new Trees.GradientBoostingAlgorithm(),
    ]);
}
