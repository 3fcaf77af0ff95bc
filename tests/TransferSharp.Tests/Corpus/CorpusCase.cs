namespace TransferSharp.Tests.Corpus;

/// <summary>What an input must do: be refused with an error naming it, load, or (names the file system mangles) either,
/// as long as it neither crashes nor hangs.</summary>
public enum Expect
{
    Refuse,
    Accept,
    Either,
}

/// <summary>One malformed or awkward input: its kind, what it is, what it must do, the text its error must contain (the
/// file's name), and how a user's command reads it.</summary>
public sealed record CorpusCase(string Kind, string Name, Expect Expect, string Names, Action Read);
