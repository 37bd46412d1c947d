using FaceClip.Cli;

return await FaceClipCommand.RunAsync(args, Console.Out, Console.Error);
