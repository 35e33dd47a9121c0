using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Toolkit.Ml.Data;

namespace Toolkit.Serving;

/// <summary>
/// <c>GET /</c>: a one-file prediction page built from the model signature. One field per input column
/// (a number input, or a select of the signature's categories), a Predict button that posts the row
/// to <c>/invocations</c> as <c>dataframe_split</c>, and the answer. Everything taken from the model
/// (column names, categories, name, digest) is HTML-encoded; the script reads column names back from
/// data attributes, so no model text is ever part of the script. The page loads nothing else, and its
/// Content-Security-Policy lets it reach only this server.
/// </summary>
internal sealed class PredictionPage
{
    private const string Policy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; base-uri 'none'";

    private readonly byte[] _html;

    public PredictionPage(ServedModel served)
    {
        _html = Encoding.UTF8.GetBytes(Render(served));
    }

    public async Task WriteAsync(HttpContext c)
    {
        c.Response.StatusCode = 200;
        c.Response.ContentType = "text/html; charset=utf-8";
        c.Response.Headers.ContentSecurityPolicy = Policy;
        c.Response.Headers.XContentTypeOptions = "nosniff";
        c.Response.ContentLength = _html.Length;
        await c.Response.Body.WriteAsync(_html, c.RequestAborted);
    }

    internal static string Render(ServedModel served)
    {
        var h = HtmlEncoder.Default;
        var model = served.Model;
        var version = served.Version?.ToString(CultureInfo.InvariantCulture) ?? "(file)";
        var s = new StringBuilder(4096);
        s.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        s.Append("<title>").Append(h.Encode(served.Name)).Append(" · prediction</title>\n");
        s.Append(Style);
        s.Append("</head>\n<body>\n<main>\n");
        s.Append("<h1 id=\"model\">").Append(h.Encode(served.Name)).Append("</h1>\n");
        s.Append("<p class=\"meta\">version <span id=\"version\">").Append(h.Encode(version)).Append("</span> · ")
            .Append(h.Encode(model.Algorithm)).Append(" · ").Append(h.Encode(model.Task.ToString().ToLowerInvariant()))
            .Append(" of <span id=\"label\">").Append(h.Encode(model.Label)).Append("</span><br>digest <code id=\"digest\">")
            .Append(h.Encode(served.Digest)).Append("</code></p>\n");
        s.Append("<form id=\"predict-form\" autocomplete=\"off\">\n");
        var i = 0;
        foreach (var column in model.Signature.Columns)
        {
            Field(s, h, column, i++);
        }

        s.Append("<button type=\"submit\" id=\"predict\">Predict</button>\n</form>\n");
        s.Append("<section id=\"result\" data-state=\"idle\" aria-live=\"polite\">\n");
        s.Append("<p>Prediction: <output id=\"prediction\"></output></p>\n");
        if (model.Classes is not null)
        {
            s.Append("<p>Probability of <span id=\"positive\">").Append(h.Encode(model.Classes[^1]))
                .Append("</span>: <output id=\"probability\"></output></p>\n");
        }

        s.Append("<p id=\"error\" role=\"alert\" hidden></p>\n</section>\n</main>\n");
        s.Append(Script);
        s.Append("</body>\n</html>\n");
        return s.ToString();
    }

    private static void Field(StringBuilder s, HtmlEncoder h, ColumnSchema column, int index)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"field-{index}");
        var name = h.Encode(column.Name);
        s.Append("<label for=\"").Append(id).Append("\">").Append(name).Append("</label>\n");
        if (column.Type == ColumnType.Categorical && column.Categories is { Count: > 0 } categories)
        {
            s.Append("<select id=\"").Append(id).Append("\" data-kind=\"text\" data-column=\"").Append(name).Append("\">\n");
            s.Append("<option value=\"\">(missing)</option>\n");
            foreach (var category in categories)
            {
                var text = h.Encode(category);
                s.Append("<option value=\"").Append(text).Append("\">").Append(text).Append("</option>\n");
            }

            s.Append("</select>\n");
        }
        else if (column.Type == ColumnType.Categorical)
        {
            s.Append("<input id=\"").Append(id).Append("\" type=\"text\" data-kind=\"text\" data-column=\"").Append(name).Append("\">\n");
        }
        else
        {
            s.Append("<input id=\"").Append(id).Append("\" type=\"number\" step=\"any\" data-kind=\"number\" data-column=\"").Append(name).Append("\">\n");
        }
    }

    private const string Style = """
        <style>
        body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1c1e21; }
        main { max-width: 40rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
        h1 { margin: 0 0 .25rem; font-size: 1.4rem; overflow-wrap: anywhere; }
        .meta { color: #555; margin-top: 0; overflow-wrap: anywhere; }
        form { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; align-items: center; }
        label { overflow-wrap: anywhere; }
        input, select { font: inherit; padding: .25rem; }
        button { grid-column: 1 / -1; justify-self: start; font: inherit; padding: .4rem 1.2rem; }
        #result { margin-top: 1.25rem; border-top: 1px solid #ddd; }
        output { font-weight: 600; }
        #error { color: #b00020; }
        </style>

        """;

    // The script never contains model text: it reads columns from the fields' data attributes.
    private const string Script = """
        <script>
        (() => {
          const form = document.getElementById('predict-form');
          const result = document.getElementById('result');
          const prediction = document.getElementById('prediction');
          const probability = document.getElementById('probability');
          const error = document.getElementById('error');
          form.addEventListener('submit', async (event) => {
            event.preventDefault();
            const fields = Array.from(form.querySelectorAll('[data-column]'));
            const columns = fields.map((f) => f.dataset.column);
            const row = fields.map((f) => f.value === '' ? null : (f.dataset.kind === 'number' ? Number(f.value) : f.value));
            result.dataset.state = 'busy';
            error.hidden = true;
            try {
              const response = await fetch('invocations', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ dataframe_split: { columns, data: [row] } }),
              });
              const body = await response.json();
              if (!response.ok) {
                throw new Error(body.error || ('status ' + response.status));
              }
              prediction.textContent = String(body.predictions[0]);
              if (probability && body.probabilities) {
                probability.textContent = String(body.probabilities[0]);
              }
              result.dataset.state = 'done';
            } catch (e) {
              prediction.textContent = '';
              if (probability) {
                probability.textContent = '';
              }
              error.textContent = e.message;
              error.hidden = false;
              result.dataset.state = 'error';
            }
          });
        })();
        </script>

        """;
}
