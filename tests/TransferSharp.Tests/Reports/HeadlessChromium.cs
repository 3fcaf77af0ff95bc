using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TransferSharp.Tests.Reports;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol on a WebSocket: one page, its console errors,
/// exceptions and network requests, script evaluation and screenshots. The browser is killed on dispose.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string DefaultPath = "/usr/bin/chromium";

    private static readonly TimeSpan commandTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly string profile;
    private readonly ClientWebSocket socket = new();
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> pending = new();
    private readonly List<(string method, JsonElement parameters)> events = new();
    private readonly ConcurrentQueue<string> log = new();
    private Task? receiver;
    private string? session;
    private int lastId;

    private HeadlessChromium(Process process, string profile)
    {
        this.process = process;
        this.profile = profile;
    }

    /// <summary>What the browser wrote on standard error (for failure messages).</summary>
    public string Log => string.Join("\n", log);

    /// <summary>Starts Chromium with a fresh profile and connects to its browser target.</summary>
    public static async Task<HeadlessChromium> LaunchAsync(string executable = DefaultPath)
    {
        string profile = TestPaths.NewTempDir("chromium-profile");
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (
            string argument in new[]
            {
                "--headless",
                "--no-sandbox", // root in CI containers: Chromium refuses to start sandboxed
                "--disable-gpu",
                "--disable-quic",
                "--disable-dev-shm-usage", // containers' /dev/shm is often too small
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                $"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            }
        )
            info.ArgumentList.Add(argument);
        var browser = new HeadlessChromium(
            Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start"),
            profile
        );
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            browser.Dispose();
            throw;
        }
    }

    /// <summary>Opens a page of <paramref name="width"/> x <paramref name="height"/> CSS pixels and enables the domains
    /// whose events the checks read.</summary>
    public async Task OpenPageAsync(int width, int height)
    {
        JsonElement target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, false);
        JsonElement attached = await SendAsync(
            "Target.attachToTarget",
            new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true },
            false
        );
        session = attached.GetProperty("sessionId").GetString();
        foreach (string domain in new[] { "Page", "Runtime", "Log", "Network" })
            await SendAsync($"{domain}.enable");
        await SendAsync(
            "Emulation.setDeviceMetricsOverride",
            new JsonObject
            {
                ["width"] = width,
                ["height"] = height,
                ["deviceScaleFactor"] = 1,
                ["mobile"] = false,
            }
        );
        // Screenshots as wide as the viewport: no scrollbar taking its strip.
        await SendAsync("Emulation.setScrollbarsHidden", new JsonObject { ["hidden"] = true });
    }

    /// <summary>Navigates to <paramref name="url"/> and waits for the load event.</summary>
    public async Task NavigateAsync(string url, TimeSpan timeout)
    {
        int seen = EventCount;
        JsonElement result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        if (result.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } text)
            throw new InvalidOperationException($"navigation to {url} failed: {text}");
        await WaitForEventAsync("Page.loadEventFired", seen, timeout);
    }

    /// <summary>The value of a JavaScript expression (an exception in it fails).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        JsonElement result = await SendAsync(
            "Runtime.evaluate",
            new JsonObject
            {
                ["expression"] = expression,
                ["returnByValue"] = true,
                ["awaitPromise"] = true,
            }
        );
        if (result.TryGetProperty("exceptionDetails", out var exception))
            throw new InvalidOperationException($"{expression} threw: {exception}");
        return result.GetProperty("result").GetProperty("value");
    }

    /// <summary>A PNG of the whole page, beyond the viewport.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        JsonElement metrics = await SendAsync("Page.getLayoutMetrics");
        JsonElement size = metrics.GetProperty("cssContentSize");
        JsonElement shot = await SendAsync(
            "Page.captureScreenshot",
            new JsonObject
            {
                ["format"] = "png",
                ["captureBeyondViewport"] = true,
                ["clip"] = new JsonObject
                {
                    ["x"] = 0,
                    ["y"] = 0,
                    ["width"] = Math.Ceiling(size.GetProperty("width").GetDouble()),
                    ["height"] = Math.Ceiling(size.GetProperty("height").GetDouble()),
                    ["scale"] = 1,
                },
            }
        );
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    /// <summary>Console errors, uncaught exceptions and error log entries so far, in words.</summary>
    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        foreach (var (method, p) in Events())
        {
            if (method == "Runtime.consoleAPICalled" && p.GetProperty("type").GetString() == "error")
                errors.Add($"console.error: {p.GetProperty("args")}");
            else if (method == "Runtime.exceptionThrown")
                errors.Add($"exception: {p.GetProperty("exceptionDetails")}");
            else if (method == "Log.entryAdded" && p.GetProperty("entry").GetProperty("level").GetString() == "error")
                errors.Add($"log: {p.GetProperty("entry")}");
        }
        return errors;
    }

    /// <summary>The URLs of every request the page made.</summary>
    public IReadOnlyList<string> Requests() =>
        Events()
            .Where(e => e.method == "Network.requestWillBeSent")
            .Select(e => e.parameters.GetProperty("request").GetProperty("url").GetString() ?? "")
            .ToList();

    /// <summary>Closes the connection and kills the browser, then removes its profile.</summary>
    public void Dispose()
    {
        stop.Cancel();
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // it had already gone
        }
        socket.Dispose();
        process.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // a child still writing into the profile: the temp folder keeps it
        }
    }

    private int EventCount
    {
        get
        {
            lock (events)
                return events.Count;
        }
    }

    private List<(string method, JsonElement parameters)> Events()
    {
        lock (events)
            return events.ToList();
    }

    private async Task ConnectAsync()
    {
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        const string marker = "DevTools listening on ";
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException($"Chromium exited:\n{Log}"));
                return;
            }
            log.Enqueue(e.Data);
            int at = e.Data.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
                listening.TrySetResult(e.Data[(at + marker.Length)..].Trim());
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                log.Enqueue(e.Data);
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        string url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri(url), stop.Token);
        receiver = Task.Run(ReceiveAsync);
    }

    private async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, bool toPage = true)
    {
        int id = Interlocked.Increment(ref lastId);
        var message = new JsonObject
        {
            ["id"] = id,
            ["method"] = method,
            ["params"] = parameters ?? new JsonObject(),
        };
        if (toPage)
            message["sessionId"] = session ?? throw new InvalidOperationException("no page is open");
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = reply;
        await socket.SendAsync(
            Encoding.UTF8.GetBytes(message.ToJsonString()),
            WebSocketMessageType.Text,
            true,
            stop.Token
        );
        try
        {
            return await reply.Task.WaitAsync(commandTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{method}: no answer from Chromium in {commandTimeout.TotalSeconds} s");
        }
    }

    private async Task WaitForEventAsync(string method, int after, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            lock (events)
                if (events.Skip(after).Any(e => e.method == method))
                    return;
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"no {method} in {timeout.TotalSeconds} s");
            if (receiver is { IsCompleted: true })
                throw new InvalidOperationException($"the DevTools connection closed:\n{Log}");
            await Task.Delay(50);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                WebSocketReceiveResult result = await socket.ReceiveAsync(buffer, stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                    break;
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                    continue;
                Dispatch(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // closing
        }
        foreach (var reply in pending.Values)
            reply.TrySetException(new InvalidOperationException($"the DevTools connection closed:\n{Log}"));
    }

    private void Dispatch(JsonElement message)
    {
        if (message.TryGetProperty("id", out var id))
        {
            if (!pending.TryRemove(id.GetInt32(), out var reply))
                return;
            if (message.TryGetProperty("error", out var error))
                reply.TrySetException(new InvalidOperationException($"DevTools error: {error}"));
            else
                reply.TrySetResult(message.GetProperty("result"));
        }
        else if (message.TryGetProperty("method", out var method))
        {
            JsonElement parameters = message.TryGetProperty("params", out var p) ? p : default;
            lock (events)
                events.Add((method.GetString()!, parameters));
        }
    }
}
