using System.Globalization;
using System.Text;

namespace Toolkit.Pipelines.Spec;

/// <summary>A value an expression computes: a number, a string, a boolean, or null (missing).</summary>
public readonly record struct ExprValue(object? Value)
{
    public static ExprValue Null => default;

    public bool IsTruthy => Value switch
    {
        null => false,
        bool b => b,
        double d => d != 0 && !double.IsNaN(d),
        string s => s.Length > 0,
        _ => true,
    };

    /// <summary>The value as parameter text: numbers invariant and round-trip, booleans lowercase.</summary>
    public string ToText() => Value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Parameter text becomes a number or boolean when it looks like one, so comparisons work.</summary>
    public static ExprValue FromText(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? new ExprValue(d)
        : bool.TryParse(text, out var b) ? new ExprValue(b)
        : new ExprValue(text);
}

/// <summary>A reference inside an expression: <c>params.rows</c>, <c>steps.evaluate.outputs.auc</c>, <c>inputs.train</c>.</summary>
public sealed record ExprRef(string Scope, string? Step, string Name)
{
    public override string ToString() => Step is null ? $"{Scope}.{Name}" : $"{Scope}.{Step}.outputs.{Name}";
}

/// <summary>An expression syntax error, with the offset inside the expression text.</summary>
public sealed class ExpressionException : Exception
{
    public ExpressionException(string message, int offset)
        : base(message)
    {
        Offset = offset;
    }

    public ExpressionException()
    {
    }

    public ExpressionException(string message)
        : base(message)
    {
    }

    public ExpressionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Offset { get; }
}

/// <summary>
/// The expression language of <c>${{ }}</c>: references, numbers, 'strings', true/false/null,
/// comparisons (== != &lt; &lt;= &gt; &gt;=), ! &amp;&amp; || and parentheses. Small on purpose.
/// </summary>
public abstract class Expression
{
    public abstract IEnumerable<ExprRef> References { get; }

    /// <summary>The reference when the expression is nothing but one (<c>params.rows</c>), else null.</summary>
    public virtual ExprRef? Bare => null;

    public abstract ExprValue Evaluate(Func<ExprRef, ExprValue> resolve);

    public static Expression Parse(string text) => new Parser(text).ParseAll();

    private sealed class Literal(ExprValue value) : Expression
    {
        public override IEnumerable<ExprRef> References => [];

        public override ExprValue Evaluate(Func<ExprRef, ExprValue> resolve) => value;
    }

    private sealed class Reference(ExprRef reference) : Expression
    {
        public override ExprRef? Bare => reference;

        public override IEnumerable<ExprRef> References => [reference];

        public override ExprValue Evaluate(Func<ExprRef, ExprValue> resolve) => resolve(reference);
    }

    private sealed class Not(Expression operand) : Expression
    {
        public override IEnumerable<ExprRef> References => operand.References;

        public override ExprValue Evaluate(Func<ExprRef, ExprValue> resolve) => new(!operand.Evaluate(resolve).IsTruthy);
    }

    private sealed class Binary(string op, Expression left, Expression right) : Expression
    {
        public override IEnumerable<ExprRef> References => left.References.Concat(right.References);

        public override ExprValue Evaluate(Func<ExprRef, ExprValue> resolve)
        {
            if (op == "&&")
            {
                return new(left.Evaluate(resolve).IsTruthy && right.Evaluate(resolve).IsTruthy);
            }

            if (op == "||")
            {
                return new(left.Evaluate(resolve).IsTruthy || right.Evaluate(resolve).IsTruthy);
            }

            var a = left.Evaluate(resolve).Value;
            var b = right.Evaluate(resolve).Value;
            if (a is null || b is null)
            {
                // A comparison with a missing value is false (and != is true), never an exception.
                return new(op == "!=" ? !Equals(a, b) : op == "==" && a is null && b is null);
            }

            int cmp;
            if (a is double x && b is double y)
            {
                cmp = x.CompareTo(y);
            }
            else
            {
                cmp = string.CompareOrdinal(new ExprValue(a).ToText(), new ExprValue(b).ToText());
            }

            return new(op switch
            {
                "==" => cmp == 0,
                "!=" => cmp != 0,
                "<" => cmp < 0,
                "<=" => cmp <= 0,
                ">" => cmp > 0,
                ">=" => cmp >= 0,
                _ => throw new InvalidOperationException(op),
            });
        }
    }

    private sealed class Parser(string text)
    {
        // Evaluation and reference walks recurse over the tree: nesting and size are bounded here, with
        // room far beyond any real condition.
        private const int MaxDepth = 64;
        private const int MaxNodes = 1_000;

        private int _pos;
        private int _depth;
        private int _nodes;

        private void Enter()
        {
            if (++_depth > MaxDepth)
            {
                throw new ExpressionException($"expression nested more than {MaxDepth} levels deep", _pos);
            }
        }

        private Expression Node(Expression e)
        {
            if (++_nodes > MaxNodes)
            {
                throw new ExpressionException($"expression has more than {MaxNodes} terms", _pos);
            }

            return e;
        }

        public Expression ParseAll()
        {
            var e = Or();
            Skip();
            if (_pos < text.Length)
            {
                throw new ExpressionException($"unexpected '{text[_pos..]}' in expression '{text.Trim()}'", _pos);
            }

            return e;
        }

        private Expression Or()
        {
            var e = And();
            while (Accept("||"))
            {
                e = Node(new Binary("||", e, And()));
            }

            return e;
        }

        private Expression And()
        {
            var e = Unary();
            while (Accept("&&"))
            {
                e = Node(new Binary("&&", e, Unary()));
            }

            return e;
        }

        private Expression Unary()
        {
            if (Accept("!"))
            {
                Enter();
                var operand = Unary();
                _depth--;
                return Node(new Not(operand));
            }

            var left = Primary();
            foreach (var op in (string[])["==", "!=", "<=", ">=", "<", ">"])
            {
                if (Accept(op))
                {
                    return Node(new Binary(op, left, Primary()));
                }
            }

            return left;
        }

        private Expression Primary()
        {
            Skip();
            if (_pos >= text.Length)
            {
                throw new ExpressionException($"expression '{text.Trim()}' ends early", _pos);
            }

            var c = text[_pos];
            if (Accept("("))
            {
                Enter();
                var e = Or();
                if (!Accept(")"))
                {
                    throw new ExpressionException($"missing ')' in expression '{text.Trim()}'", _pos);
                }

                _depth--;
                return e;
            }

            if (c is '\'' or '"')
            {
                var end = text.IndexOf(c, _pos + 1);
                if (end < 0)
                {
                    throw new ExpressionException($"unterminated string in expression '{text.Trim()}'", _pos);
                }

                var s = text[(_pos + 1)..end];
                _pos = end + 1;
                return new Literal(new ExprValue(s));
            }

            if (char.IsDigit(c) || c is '-' or '.')
            {
                var start = _pos;
                _pos++;
                while (_pos < text.Length && (char.IsDigit(text[_pos]) || text[_pos] is '.' or 'e' or 'E' or '+' or '-'))
                {
                    _pos++;
                }

                var token = text[start.._pos];
                return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? new Literal(new ExprValue(d))
                    : throw new ExpressionException($"'{token}' is not a number", start);
            }

            if (char.IsLetter(c) || c == '_')
            {
                var start = _pos;
                while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] is '_' or '-' or '.'))
                {
                    _pos++;
                }

                var word = text[start.._pos];
                return word switch
                {
                    "true" => new Literal(new ExprValue(true)),
                    "false" => new Literal(new ExprValue(false)),
                    "null" => new Literal(ExprValue.Null),
                    _ => new Reference(ParseRef(word, start)),
                };
            }

            throw new ExpressionException($"unexpected '{c}' in expression '{text.Trim()}'", _pos);
        }

        private ExprRef ParseRef(string word, int at)
        {
            var parts = word.Split('.');
            return parts switch
            {
                ["params", var n] => new ExprRef("params", null, n),
                ["inputs", var n] => new ExprRef("inputs", null, n),
                ["outputs", var n] => new ExprRef("outputs", null, n),
                ["steps", var s, "outputs", var n] => new ExprRef("steps", s, n),
                _ => throw new ExpressionException(
                    $"unknown reference '{word}'; use params.NAME, steps.STEP.outputs.NAME, inputs.NAME or outputs.NAME", at),
            };
        }

        private bool Accept(string token)
        {
            Skip();
            if (string.CompareOrdinal(text, _pos, token, 0, token.Length) == 0)
            {
                _pos += token.Length;
                return true;
            }

            return false;
        }

        private void Skip()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }
    }
}

/// <summary>A text with <c>${{ expression }}</c> parts, as in <c>with:</c> values and <c>run:</c> commands.</summary>
public sealed class Template
{
    private readonly List<(string? Text, Expression? Expression)> _parts;

    private Template(List<(string?, Expression?)> parts)
    {
        _parts = parts;
    }

    public IEnumerable<ExprRef> References => _parts.Where(p => p.Expression is not null).SelectMany(p => p.Expression!.References);

    public bool HasExpressions => _parts.Any(p => p.Expression is not null);

    /// <summary>The reference when the whole text is one bare <c>${{ ref }}</c>: the value then is the referenced one, typed.</summary>
    public ExprRef? SoleReference => _parts.Count == 1 ? _parts[0].Expression?.Bare : null;

    public static Template Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<(string?, Expression?)>();
        var pos = 0;
        while (pos < text.Length)
        {
            var open = text.IndexOf("${{", pos, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add((text[pos..], null));
                break;
            }

            if (open > pos)
            {
                parts.Add((text[pos..open], null));
            }

            var close = text.IndexOf("}}", open + 3, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ExpressionException("'${{' without a closing '}}'", open);
            }

            parts.Add((null, Expression.Parse(text[(open + 3)..close])));
            pos = close + 2;
        }

        return new Template(parts);
    }

    /// <summary>
    /// The value: a single expression keeps its type (a number stays a number); anything else is
    /// the text with each expression's value in place.
    /// </summary>
    public ExprValue Evaluate(Func<ExprRef, ExprValue> resolve)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        if (_parts.Count == 1 && _parts[0].Expression is { } only)
        {
            return only.Evaluate(resolve);
        }

        var sb = new StringBuilder();
        foreach (var (text, expression) in _parts)
        {
            sb.Append(text ?? expression!.Evaluate(resolve).ToText());
        }

        return new ExprValue(sb.ToString());
    }
}
