namespace QQuant.Vision;

/// <summary>What the classifier says about one image, as the reference's <c>inference_model</c> returns it.</summary>
/// <param name="PredLabel">The index of the most probable class (<c>pred_label</c>).</param>
/// <param name="PredScore">Its softmax probability (<c>pred_score</c>).</param>
/// <param name="PredClass">Its name (<c>pred_class</c>).</param>
public sealed record Prediction(int PredLabel, double PredScore, string PredClass);
