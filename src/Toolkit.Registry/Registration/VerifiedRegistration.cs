using Toolkit.Registry.ModelCards;
using Toolkit.Ml.Models;

namespace Toolkit.Registry;

/// <summary>
/// A registration that passed the registry's rules (<see cref="RegistrationService"/>): a valid name, a model
/// file read once and verified, the data digest, the actor and the gate report settled. Only the service
/// makes one, so a backend can store it without checking anything again, and every backend stores the same.
/// </summary>
public sealed class VerifiedRegistration
{
    private readonly byte[] _content;
    private readonly string? _card;

    internal VerifiedRegistration(RegisterRequest request, byte[] content, IScoringModel model, string actor, string? smokeSampleJson = null, string? profileJson = null)
    {
        _content = content;
        _card = request.ModelCard;
        Model = request.Model;
        Trained = model;
        Digest = model.Digest!;
        Flavor = model.Flavor;
        Actor = actor;
        DataDigest = request.DataDigest ?? model.Training?.DataDigest;
        RunId = request.RunId;
        Pipeline = request.Pipeline;
        Parameters = new SortedDictionary<string, string>(request.Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        Metrics = new SortedDictionary<string, double>(request.Metrics.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        GatePassed = request.GatePassed;
        GateReport = request.GateReport;
        GitCommit = request.GitCommit;
        GitBranch = request.GitBranch;
        SmokeSample = request.SmokeSample;
        SmokeSampleJson = smokeSampleJson;
        ProfileJson = profileJson;
    }

    /// <summary>The registered model's name (valid by <see cref="ModelNames"/>).</summary>
    public string Model { get; }

    /// <summary>The model file's digest (SHA-256 of the file): the version's identity.</summary>
    public string Digest { get; }

    /// <summary>The model file's flavor (<see cref="ModelFlavors"/>).</summary>
    public string Flavor { get; }

    /// <summary>The verified bytes of the model file: these and no others are stored.</summary>
    public ReadOnlyMemory<byte> Content => _content;

    /// <summary>The model the file holds (for the card).</summary>
    public IScoringModel Trained { get; }

    /// <summary>Who registers; <see cref="Actors.Unknown"/> when nobody was named.</summary>
    public string Actor { get; }

    /// <summary>The training data's digest: as given, else the one the model file records (null when neither says).</summary>
    public string? DataDigest { get; }

    public string? RunId { get; }

    public string? Pipeline { get; }

    /// <summary>Sorted by name.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Sorted by name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    public bool? GatePassed { get; }

    /// <summary>The gate report (valid JSON), or null.</summary>
    public string? GateReport { get; }

    public string? GitCommit { get; }

    public string? GitBranch { get; }

    /// <summary>The smoke sample (its columns are the model's inputs), or null.</summary>
    public Toolkit.Ml.Models.SmokeSample? SmokeSample { get; }

    /// <summary><see cref="SmokeSample"/> as the JSON every backend stores, or null.</summary>
    public string? SmokeSampleJson { get; }

    /// <summary>The reference profile (a JSON object with a <c>format</c>) every backend stores as is, or null.</summary>
    public string? ProfileJson { get; }

    /// <summary>The caller's own card, or null: then <see cref="ModelCardFor"/> renders the default card.</summary>
    public string? OwnCard => _card;

    /// <summary>The version as a backend records it, once it has a number and a creation time.</summary>
    public ModelVersion ToVersion(int number, DateTimeOffset createdAt) => new()
    {
        Model = Model,
        Version = number,
        Digest = Digest,
        Flavor = Flavor,
        CreatedAt = createdAt,
        CreatedBy = Actor,
        RunId = RunId,
        Pipeline = Pipeline,
        DataDigest = DataDigest,
        Parameters = Parameters,
        Metrics = Metrics,
        GatePassed = GatePassed,
        GitCommit = GitCommit,
        GitBranch = GitBranch,
        SmokeRows = SmokeSample?.Rows.Count ?? 0,
        HasProfile = ProfileJson is not null,
    };

    /// <summary>The card stored with <paramref name="version"/>: the caller's, else the default card of that version.</summary>
    public string ModelCardFor(ModelVersion version) => _card ?? ModelCard.Render(version, Trained, null);
}
