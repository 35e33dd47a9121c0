using Toolkit.Components.Data;
using Toolkit.Components.Evaluate;
using Toolkit.Components.Features;
using Toolkit.Components.Gate;
using Toolkit.Components.Registry;
using Toolkit.Components.Train;
using Toolkit.Ml.Training;
using Toolkit.Pipelines.Components;
using Toolkit.Registry;

namespace Toolkit.Components;

/// <summary>The components that ship with the toolkit; <c>train/*</c> has one per algorithm of the catalog.</summary>
public static class BuiltInComponents
{
    /// <param name="registry">Opens the project's registry (for gate/check's champion); null: no registry.</param>
    public static ComponentCatalog Create(Func<CancellationToken, Task<IModelRegistry?>>? registry = null) => new(
    [
        new SynthesizeComponent(),
        new LoadCsvComponent(),
        new ValidateComponent(),
        new SplitComponent(),
        new SplitXyComponent(),
        new FitFeaturesComponent(),
        .. AlgorithmCatalog.Default.Names.Select(n => new TrainComponent(AlgorithmCatalog.Default.Get(n))),
        .. Toolkit.Ml.MlNet.MlNetAlgorithm.All.Select(a => new MlNetTrainComponent(a)),
        new EvaluateComponent(ModelTask.BinaryClassification),
        new EvaluateComponent(ModelTask.Regression),
        new SelectBestComponent(),
        new GateCheckComponent(registry ?? NoRegistry),
        new RegisterComponent(registry ?? NoRegistry),
    ]);

    private static Task<IModelRegistry?> NoRegistry(CancellationToken cancellationToken) => Task.FromResult<IModelRegistry?>(null);
}
