"""The peer: a Flask app behind gunicorn scoring a scikit-learn model, which is what MLflow's
scoring server is (`mlflow models serve`). Same data, same body format (dataframe_split)."""
import os

import pandas as pd
from flask import Flask, jsonify, request
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder

data = pd.read_csv(os.environ["BENCH_DATA"])
label = "diabetes"
features = [c for c in data.columns if c != label]
text = [c for c in features if data[c].dtype == object]
model = make_pipeline(
    ColumnTransformer([("text", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), text)], remainder="passthrough"),
    HistGradientBoostingClassifier(max_iter=100, random_state=1),
)
model.fit(data[features], data[label])

app = Flask(__name__)


@app.get("/ping")
def ping():
    return "\n"


@app.post("/invocations")
def invocations():
    split = request.get_json()["dataframe_split"]
    frame = pd.DataFrame(split["data"], columns=split["columns"])
    probabilities = model.predict_proba(frame[features])[:, 1]
    return jsonify({"predictions": [str(int(p >= 0.5)) for p in probabilities], "probabilities": probabilities.tolist()})
