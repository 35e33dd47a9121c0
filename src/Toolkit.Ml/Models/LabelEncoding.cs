using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Models;

/// <summary>
/// Maps a label column to the numbers a trainer sees: class indices 0/1 for classification (the
/// second class in sorted order is the positive one), the values themselves for regression.
/// </summary>
internal static class LabelEncoding
{
    /// <summary>The task a label suggests: categorical or exactly two distinct numbers means classification.</summary>
    public static ModelTask InferTask(Column label)
    {
        if (label is CategoricalColumn)
        {
            return ModelTask.BinaryClassification;
        }

        var distinct = new HashSet<double>();
        for (var i = 0; i < label.Length && distinct.Count <= 2; i++)
        {
            if (!label.IsMissing(i))
            {
                distinct.Add(label.GetDouble(i));
            }
        }

        return distinct.Count == 2 ? ModelTask.BinaryClassification : ModelTask.Regression;
    }

    /// <summary>The two classes of a classification label, as text, in sorted order (numbers numerically).</summary>
    public static string[] ClassesOf(Column label)
    {
        string[] classes;
        if (label is CategoricalColumn cat)
        {
            var used = new SortedSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < cat.Length; i++)
            {
                if (cat[i] is { } v)
                {
                    used.Add(v);
                }
            }

            classes = [.. used];
        }
        else
        {
            var used = new SortedSet<double>();
            for (var i = 0; i < label.Length; i++)
            {
                if (!label.IsMissing(i))
                {
                    used.Add(label.GetDouble(i));
                }
            }

            classes = [.. used.Select(v => v.ToString("R", CultureInfo.InvariantCulture))];
        }

        if (classes.Length != 2)
        {
            throw new DataFormatException(null, null, label.Name, null,
                $"binary classification needs exactly 2 label values, found {classes.Length}" +
                (classes.Length is > 0 and <= 10 ? $" ({string.Join(", ", classes)})" : ""));
        }

        return classes;
    }

    /// <summary>Encodes <paramref name="label"/>: class index (0/1) or the value. Missing or unknown values are errors naming the row.</summary>
    public static double[] Encode(Column label, ModelTask task, IReadOnlyList<string>? classes)
    {
        var y = new double[label.Length];
        if (task == ModelTask.Regression)
        {
            if (label is CategoricalColumn)
            {
                throw new DataFormatException(null, null, label.Name, null, "a regression label must be numeric, but the column holds text");
            }

            for (var i = 0; i < y.Length; i++)
            {
                y[i] = label.GetDouble(i);
                if (double.IsNaN(y[i]))
                {
                    throw new DataFormatException(null, null, label.Name, null, $"the label is missing in data row {i + 1}");
                }
            }

            return y;
        }

        ArgumentNullException.ThrowIfNull(classes);
        for (var i = 0; i < y.Length; i++)
        {
            if (label.IsMissing(i))
            {
                throw new DataFormatException(null, null, label.Name, null, $"the label is missing in data row {i + 1}");
            }

            var text = label is CategoricalColumn cat
                ? cat[i]!
                : label.GetDouble(i).ToString("R", CultureInfo.InvariantCulture);
            y[i] = text == classes[1] ? 1 : text == classes[0] ? 0 : throw new DataFormatException(
                null, null, label.Name, text, $"unknown label value in data row {i + 1}; the model's classes are {classes[0]}, {classes[1]}");
        }

        return y;
    }
}
