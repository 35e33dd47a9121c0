using Toolkit.Pipelines.Components;

namespace Toolkit.Sdk.Hosting;

/// <summary>
/// A team component as the toolkit sees it: the team's code with a descriptor that carries the source
/// digest and origin. The wrapper implements <see cref="IExternalInputs"/> or <see cref="IHostInputs"/> only
/// when the team's type does, since the runner and the Argo compiler test for them.
/// </summary>
internal class TeamComponent : IComponent
{
    private protected TeamComponent(IComponent inner, ComponentDescriptor descriptor)
    {
        Inner = inner;
        Descriptor = descriptor;
    }

    public ComponentDescriptor Descriptor { get; }

    /// <summary>The team's own instance.</summary>
    public IComponent Inner { get; }

    public static IComponent Wrap(IComponent inner, ComponentDescriptor descriptor) => (inner, inner) switch
    {
        (IExternalInputs e, IHostInputs h) => new ExternalHost(inner, descriptor, e, h),
        (IExternalInputs e, _) => new External(inner, descriptor, e),
        (_, IHostInputs h) => new Host(inner, descriptor, h),
        _ => new TeamComponent(inner, descriptor),
    };

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default) =>
        Inner.RunAsync(context, cancellationToken);

    private sealed class External(IComponent inner, ComponentDescriptor descriptor, IExternalInputs external)
        : TeamComponent(inner, descriptor), IExternalInputs
    {
        public Task<string?> ExternalDigestAsync(IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default) =>
            external.ExternalDigestAsync(parameters, projectDirectory, cancellationToken);
    }

    private sealed class Host(IComponent inner, ComponentDescriptor descriptor, IHostInputs host)
        : TeamComponent(inner, descriptor), IHostInputs
    {
        public Task<IReadOnlyDictionary<string, byte[]>> HostInputsAsync(
            IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default) =>
            host.HostInputsAsync(parameters, projectDirectory, cancellationToken);
    }

    private sealed class ExternalHost(IComponent inner, ComponentDescriptor descriptor, IExternalInputs external, IHostInputs host)
        : TeamComponent(inner, descriptor), IExternalInputs, IHostInputs
    {
        public Task<string?> ExternalDigestAsync(IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default) =>
            external.ExternalDigestAsync(parameters, projectDirectory, cancellationToken);

        public Task<IReadOnlyDictionary<string, byte[]>> HostInputsAsync(
            IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default) =>
            host.HostInputsAsync(parameters, projectDirectory, cancellationToken);
    }
}
