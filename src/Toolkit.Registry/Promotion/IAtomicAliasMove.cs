namespace Toolkit.Registry.Promotion;

/// <summary>
/// A backend that can check who holds which alias and move one in the same transaction. The promotion
/// service uses it when available so that two promotions racing on one model cannot both pass their
/// checks against a state that one of them has already changed; backends without it (MLflow) get the
/// check-then-move of <see cref="IModelRegistry.SetAliasAsync"/>.
/// </summary>
internal interface IAtomicAliasMove
{
    /// <summary>
    /// Like <see cref="IModelRegistry.SetAliasAsync"/>, but first checks, inside the transaction, that each alias of
    /// <paramref name="expectedHolders"/> is held by the given version (null: by none); a mismatch throws
    /// <see cref="RegistryException"/> and changes nothing.
    /// </summary>
    Task SetAliasIfAsync(
        string model,
        string alias,
        int version,
        AuditAction action,
        AuditInfo audit,
        IReadOnlyDictionary<string, int?> expectedHolders,
        CancellationToken cancellationToken);
}
