namespace Toolkit.Registry.Promotion;

/// <summary>A promotion done: <paramref name="Stage"/> moved from <paramref name="FromVersion"/> (null: nobody held it) to <paramref name="ToVersion"/>.</summary>
public sealed record PromotionResult(string Model, string Stage, int? FromVersion, int ToVersion);

/// <summary>A rollback done: <paramref name="Stage"/> moved back from <paramref name="FromVersion"/> to <paramref name="ToVersion"/>.</summary>
public sealed record RollbackResult(string Model, string Stage, int FromVersion, int ToVersion);
