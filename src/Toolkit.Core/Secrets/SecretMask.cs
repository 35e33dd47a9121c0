using System.Collections;
using System.Text;

namespace Toolkit.Secrets;

/// <summary>
/// The secret values of an environment (variables whose names say token, secret, password, key or
/// credential), replaced by <c>***</c> wherever they would be written — as GitHub Actions masks its secrets.
/// </summary>
internal sealed class SecretMask
{
    public const string Replacement = "***";

    private static readonly string[] Markers = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY", "SIGNING_KEY", "AUTH"];

    /// <summary>
    /// Secrets no child process gets, even a <c>run:</c> step that names them or that inherits <c>TOOLKIT_*</c>:
    /// the model signing key signs in <c>mlops model sign</c> and nowhere else.
    /// </summary>
    public static IReadOnlyList<string> NeverInherited { get; } = ["TOOLKIT_SIGNING_KEY"];

    // Shorter values ("1", "true") would mask ordinary words, not secrets.
    private const int MinLength = 4;

    private readonly string[] _values;

    public SecretMask(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);

        // Longest first: a secret that contains another is replaced whole.
        _values = [.. values.Where(v => v.Length >= MinLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
    }

    public static SecretMask None { get; } = new([]);

    public bool IsEmpty => _values.Length == 0;

    /// <summary>The mask of this process's environment.</summary>
    public static SecretMask FromEnvironment() => FromVariables(Environment.GetEnvironmentVariables());

    public static SecretMask FromVariables(IDictionary variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var values = new List<string>();
        foreach (DictionaryEntry entry in variables)
        {
            if (entry.Key is string name && entry.Value is string value && IsSecretName(name))
            {
                values.Add(value);

                // Output is masked line by line, so a multi-line secret (a PEM key) is also masked line by line;
                // the armour lines (-----BEGIN ...-----) are public text.
                if (value.Contains('\n', StringComparison.Ordinal))
                {
                    values.AddRange(value.Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)));
                }
            }
        }

        return new SecretMask(values);
    }

    public static bool IsSecretName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var upper = name.ToUpperInvariant();
        return Markers.Any(m => upper.Contains(m, StringComparison.Ordinal));
    }

    public string Mask(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_values.Length == 0)
        {
            return text;
        }

        StringBuilder? masked = null;
        foreach (var value in _values)
        {
            if ((masked?.ToString() ?? text).Contains(value, StringComparison.Ordinal))
            {
                masked ??= new StringBuilder(text);
                masked.Replace(value, Replacement);
            }
        }

        return masked?.ToString() ?? text;
    }

    /// <summary>A writer that masks each line before it reaches <paramref name="inner"/> (a secret split across writes of one line is still caught).</summary>
    public TextWriter Wrap(TextWriter inner) => IsEmpty ? inner : new MaskingWriter(inner, this);

    private sealed class MaskingWriter(TextWriter inner, SecretMask mask) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            _line.Append(value);
            if (value == '\n')
            {
                Emit();
            }
        }

        public override void Write(string? value)
        {
            if (value is null)
            {
                return;
            }

            _line.Append(value);
            if (value.Contains('\n', StringComparison.Ordinal))
            {
                Emit();
            }
        }

        public override void WriteLine(string? value)
        {
            _line.Append(value).Append(CoreNewLine);
            Emit();
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override void Flush()
        {
            Emit();
            inner.Flush();
        }

        public override Task FlushAsync()
        {
            Flush();
            return Task.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Emit();
                inner.Flush();
            }

            base.Dispose(disposing);
        }

        private void Emit()
        {
            if (_line.Length == 0)
            {
                return;
            }

            inner.Write(mask.Mask(_line.ToString()));
            _line.Clear();
        }
    }
}
