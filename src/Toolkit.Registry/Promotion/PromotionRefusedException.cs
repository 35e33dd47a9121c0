namespace Toolkit.Registry.Promotion;

/// <summary>Why a promotion or rollback was refused.</summary>
public enum PromotionRefusalReason
{
    /// <summary>The version does not hold the stage before the target stage.</summary>
    SkippedStage,

    /// <summary>The version's gates failed, or no gate ran, and the stage requires passed gates.</summary>
    GateFailed,

    /// <summary>Not enough approvals from the stage's approvers.</summary>
    MissingApproval,

    /// <summary>The model or the version is not registered.</summary>
    UnknownVersion,

    /// <summary>The stage does not exist or the model's policy does not list it.</summary>
    UnknownStage,

    /// <summary>The version already holds the stage.</summary>
    AlreadyAtStage,

    /// <summary>A rollback found no earlier version of the stage to go back to.</summary>
    NoPreviousVersion,

    /// <summary>The policy requires a signature, and the version has none that the verify key verifies.</summary>
    SignatureMissing,
}

/// <summary>A promotion or rollback refused by the rules; the message says why and what would fix it, on one line.</summary>
public sealed class PromotionRefusedException : Exception
{
    public PromotionRefusedException(PromotionRefusalReason reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    public PromotionRefusalReason Reason { get; }
}
