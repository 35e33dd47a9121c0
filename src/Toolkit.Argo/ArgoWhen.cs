using System.Globalization;
using System.Text;

namespace Toolkit.Argo;

/// <summary>
/// Translates a step's <c>when:</c> into an Argo expression tag (<c>{{= ... }}</c>, expr-lang) over
/// workflow parameters and the upstream tasks' <c>values</c> output parameter (the step's values file).
/// The grammar mirrors ours (comparisons, ! &amp;&amp; ||, parentheses); what Argo cannot express the
/// same way is refused: a step output used as a truth value (write a comparison), an artifact output.
/// </summary>
internal sealed class ArgoWhen
{
    private readonly string _text;
    private readonly Func<string, string, string> _stepValue;
    private readonly Func<string, (string Text, bool IsBool)> _param;
    private int _pos;

    private ArgoWhen(string text, Func<string, string, string> stepValue, Func<string, (string Text, bool IsBool)> param)
    {
        _text = text;
        _stepValue = stepValue;
        _param = param;
    }

    /// <summary>
    /// The Argo <c>when</c> text. <paramref name="stepValue"/> gives the expr-lang term for <c>steps.S.outputs.N</c>
    /// (or throws); <paramref name="param"/> for <c>params.P</c>, typed. Throws <see cref="FormatException"/> with the reason.
    /// </summary>
    public static string Translate(string when, Func<string, string, string> stepValue, Func<string, (string Text, bool IsBool)> param)
    {
        var t = when.Trim();
        if (t.StartsWith("${{", StringComparison.Ordinal))
        {
            t = t.EndsWith("}}", StringComparison.Ordinal) ? t[3..^2] : throw new FormatException("'${{' without a closing '}}'");
        }

        var w = new ArgoWhen(t, stepValue, param);
        var (expr, kind) = w.Or();
        w.Skip();
        if (w._pos < t.Length)
        {
            throw new FormatException($"unexpected '{t[w._pos..]}'");
        }

        return "{{= " + AsBool(expr, kind) + " }}";
    }

    private enum Kind
    {
        Bool,
        Value,
        StepValue,
    }

    private (string Text, Kind Kind) Or()
    {
        var (e, k) = And();
        while (Accept("||"))
        {
            var right = And();
            e = $"{AsBool(e, k)} || {AsBool(right.Text, right.Kind)}";
            k = Kind.Bool;
        }

        return (e, k);
    }

    private (string Text, Kind Kind) And()
    {
        var (e, k) = Unary();
        while (Accept("&&"))
        {
            var right = Unary();
            e = $"{AsBool(e, k)} && {AsBool(right.Text, right.Kind)}";
            k = Kind.Bool;
        }

        return (e, k);
    }

    private (string Text, Kind Kind) Unary()
    {
        if (Accept("!"))
        {
            var (e, k) = Unary();
            return ("!" + AsBool(e, k), Kind.Bool);
        }

        var left = Primary();
        foreach (var op in (string[])["==", "!=", "<=", ">=", "<", ">"])
        {
            if (Accept(op))
            {
                var right = Primary();
                return ($"{left.Text} {op} {right.Text}", Kind.Bool);
            }
        }

        return left;
    }

    private static string AsBool(string text, Kind kind) => kind switch
    {
        Kind.Bool => text,
        Kind.StepValue => throw new FormatException(
            "a step's value is used as a truth value (its type is known only at run time); on Argo write a comparison (e.g. steps.STEP.outputs.NAME != 0)"),
        _ => throw new FormatException(
            "a value that is not a boolean is used as a truth value; on Argo write a comparison (e.g. params.NAME != 0)"),
    };

    private (string Text, Kind Kind) Primary()
    {
        Skip();
        if (_pos >= _text.Length)
        {
            throw new FormatException("the expression ends early");
        }

        var c = _text[_pos];
        if (Accept("("))
        {
            var (e, k) = Or();
            return Accept(")") ? ("(" + e + ")", k) : throw new FormatException("missing ')'");
        }

        if (c is '\'' or '"')
        {
            var end = _text.IndexOf(c, _pos + 1);
            if (end < 0)
            {
                throw new FormatException("unterminated string");
            }

            var s = _text[(_pos + 1)..end];
            _pos = end + 1;
            return (Quote(s), Kind.Value);
        }

        if (char.IsDigit(c) || c is '-' or '.')
        {
            var start = _pos++;
            while (_pos < _text.Length && (char.IsDigit(_text[_pos]) || _text[_pos] is '.' or 'e' or 'E' or '+' or '-'))
            {
                _pos++;
            }

            var token = _text[start.._pos];
            return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? (d.ToString("R", CultureInfo.InvariantCulture), Kind.Value)
                : throw new FormatException($"'{token}' is not a number");
        }

        if (char.IsLetter(c) || c == '_')
        {
            var start = _pos;
            while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '-' or '.'))
            {
                _pos++;
            }

            var word = _text[start.._pos];
            return word switch
            {
                "true" => ("true", Kind.Bool),
                "false" => ("false", Kind.Bool),
                "null" => ("nil", Kind.Value),
                _ => Reference(word),
            };
        }

        throw new FormatException($"unexpected '{c}'");
    }

    private (string Text, Kind Kind) Reference(string word) => word.Split('.') switch
    {
        ["params", var n] => _param(n) is var (text, isBool) ? (text, isBool ? Kind.Bool : Kind.Value) : default,
        ["steps", var s, "outputs", var n] => (_stepValue(s, n), Kind.StepValue),
        _ => throw new FormatException($"'{word}' cannot be used in when: on Argo (use params.NAME or steps.STEP.outputs.NAME)"),
    };

    /// <summary>An expr-lang single-quoted string.</summary>
    internal static string Quote(string s)
    {
        var sb = new StringBuilder("'");
        foreach (var ch in s)
        {
            sb.Append(ch switch
            {
                '\'' => "\\'",
                '\\' => "\\\\",
                _ => ch.ToString(),
            });
        }

        return sb.Append('\'').ToString();
    }

    private bool Accept(string token)
    {
        Skip();
        if (string.CompareOrdinal(_text, _pos, token, 0, token.Length) == 0)
        {
            _pos += token.Length;
            return true;
        }

        return false;
    }

    private void Skip()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }
}
