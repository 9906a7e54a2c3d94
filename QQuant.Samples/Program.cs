return QQuant.Samples.QQuantCli.Run(args, Console.Out, Console.Error);
