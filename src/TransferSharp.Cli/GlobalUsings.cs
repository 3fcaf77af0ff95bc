// Every command names strategies' options by type: their namespaces are in scope throughout the CLI.
global using TransferSharp.Strategies;
global using TransferSharp.Strategies.Auto;
global using TransferSharp.Strategies.BatchNormOnly;
global using TransferSharp.Strategies.FeatureExtraction;
global using TransferSharp.Strategies.FineTune;
global using TransferSharp.Strategies.L2Sp;
