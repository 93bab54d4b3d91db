// coordinator: the admin tool of a Coordinator cluster. See CliApp for the commands and ExitCodes for what the exit codes mean.
return await Coordinator.Cli.CliApp.RunAsync(args);
