using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace QQuant.Samples.Faults;

/// <summary>
/// A training run of a few seconds for the fault classes: a CifarResNet-8 (8 base channels) quantized with LSQ 4w4f,
/// on 64 generated 12x12 Fashion-MNIST-style images (IDX files written next to the config), 4 iterations an epoch,
/// evaluated and checkpointed after every epoch.
/// </summary>
internal sealed record TinyTraining(string ConfigPath, int TotalEpochs)
{
    private const int Side = 12;
    private const int TrainImages = 64;
    private const int ValImages = 16;
    private const int Classes = 10;

    /// <summary>Writes the config and its data into <paramref name="folder"/> (created if needed).</summary>
    public static TinyTraining Write(string folder, int totalEpochs = 6)
    {
        string data = Path.Combine(folder, "data");
        Directory.CreateDirectory(data);
        var random = new Random(23);
        WriteSplit(data, "train", TrainImages, random);
        WriteSplit(data, "t10k", ValImages, random);
        string prefix = JsonValue.Create(data).ToJsonString();
        string config = Path.Combine(folder, "tiny_lsq.json");
        File.WriteAllText(config, $$"""
            {
              "model": {
                "type": "ImageClassifier",
                "backbone": { "type": "CifarResNet", "depth": 8, "inChannels": 1, "baseChannels": 8 },
                "neck": { "type": "GlobalAveragePooling" },
                "head": { "type": "LinearClsHead", "numClasses": {{Classes}}, "inChannels": 32, "topk": [ 1, 5 ] }
              },
              "quantTransformer": {
                "type": "QuantTransformer",
                "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4 } },
                "specialLayers": {
                  "backbone.conv1": { "type": "EightBitConv", "w": 8, "a": 8, "quantizeInput": false },
                  "head.fc": { "type": "EightBitLinear", "w": 8, "a": 8 }
                }
              },
              "data": {
                "samplesPerGpu": 16,
                "workersPerGpu": 2,
                "train": {
                  "type": "FashionMNIST", "dataPrefix": {{prefix}},
                  "pipeline": [
                    { "type": "RandomCrop", "size": {{Side}}, "padding": 2 },
                    { "type": "RandomFlip", "flipProb": 0.5, "direction": "horizontal" },
                    { "type": "Normalize", "mean": [ 100 ], "std": [ 60 ], "toRgb": false },
                    { "type": "ImageToTensor", "keys": [ "img" ] },
                    { "type": "ToTensor", "keys": [ "gt_label" ] },
                    { "type": "Collect", "keys": [ "img", "gt_label" ] }
                  ]
                },
                "val": {
                  "type": "FashionMNIST", "dataPrefix": {{prefix}}, "testMode": true,
                  "pipeline": [
                    { "type": "Normalize", "mean": [ 100 ], "std": [ 60 ], "toRgb": false },
                    { "type": "ImageToTensor", "keys": [ "img" ] },
                    { "type": "Collect", "keys": [ "img" ] }
                  ]
                }
              },
              "optimizer": { "type": "SGD", "lr": 0.05, "momentum": 0.9, "weightDecay": 0.0005 },
              "lrConfig": { "policy": "CosineAnnealing", "minLr": 0 },
              "totalEpochs": {{totalEpochs}},
              "checkpointConfig": { "interval": 1 },
              "evaluation": { "interval": 1, "metric": "accuracy", "topk": [ 1, 5 ] },
              "logConfig": { "interval": 2 },
              "seed": 5,
              "device": "cpu"
            }
            """);
        return new TinyTraining(config, totalEpochs);
    }

    // Each class is a brightness ramp in its own direction plus noise, so the loss moves and every weight changes.
    private static void WriteSplit(string folder, string split, int count, Random random)
    {
        byte[] images = new byte[16 + count * Side * Side];
        byte[] labels = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(images, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), Side);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), Side);
        BinaryPrimitives.WriteInt32BigEndian(labels, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        for (int i = 0; i < count; i++)
        {
            int label = i % Classes;
            labels[8 + i] = (byte)label;
            double angle = label * Math.PI / 5;
            for (int y = 0; y < Side; y++)
            {
                for (int x = 0; x < Side; x++)
                {
                    double ramp = 128 + 9 * (Math.Cos(angle) * (x - Side / 2) + Math.Sin(angle) * (y - Side / 2));
                    images[16 + (i * Side + y) * Side + x] = (byte)Math.Clamp(ramp + random.Next(-30, 31), 0, 255);
                }
            }
        }

        File.WriteAllBytes(Path.Combine(folder, $"{split}-images-idx3-ubyte"), images);
        File.WriteAllBytes(Path.Combine(folder, $"{split}-labels-idx1-ubyte"), labels);
    }
}
