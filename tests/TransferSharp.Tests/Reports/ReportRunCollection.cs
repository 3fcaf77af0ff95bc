namespace TransferSharp.Tests.Reports;

/// <summary>The report tests share one fitted run (<see cref="FittedRun"/>).</summary>
[CollectionDefinition(Name)]
public sealed class ReportRunCollection : ICollectionFixture<FittedRun>
{
    public const string Name = "report run";
}
