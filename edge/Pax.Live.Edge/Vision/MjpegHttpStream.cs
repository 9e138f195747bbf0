using System.Net.Http.Headers;
using System.Text;
using OpenCvSharp;

namespace Pax.Live.Edge.Vision;

/// <summary>
/// An IP camera's MJPEG stream over HTTP (<c>multipart/x-mixed-replace</c>, what cameras serve at paths like
/// <c>/mjpg/video.mjpg</c> or <c>/axis-cgi/mjpg/video.cgi</c>). Read here rather than by OpenCV because the FFmpeg
/// inside OpenCvSharp's official runtime is built without network protocols: it cannot open an http:// URL at all.
/// <see cref="Grab"/> only reads a part's bytes; <see cref="Retrieve"/> decodes the JPEG, so frames no analyser
/// needs are never decoded. Credentials in the URL (<c>http://user:password@host/…</c>) are sent as Basic auth.
/// </summary>
internal sealed class MjpegHttpStream : IDisposable
{
    private const int MaxPartBytes = 16 * 1024 * 1024;
    private const int MaxHeaderBytes = 16 * 1024;

    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly byte[] _delimiter;
    private readonly TimeSpan _readTimeout;
    private byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;
    private byte[] _jpeg = new byte[256 * 1024];
    private int _jpegLength;

    private MjpegHttpStream(HttpClient http, HttpResponseMessage response, Stream body, string boundary, TimeSpan readTimeout)
    {
        _http = http;
        _response = response;
        _body = body;
        _delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        _readTimeout = readTimeout;
    }

    /// <summary>Connects and checks that the answer is a multipart stream; throws <see cref="IOException"/> with the reason otherwise.</summary>
    public static MjpegHttpStream Open(Uri url, TimeSpan timeout)
    {
        var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout }) { Timeout = timeout };
        HttpResponseMessage? response = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, WithoutUserInfo(url));
            if (url.UserInfo.Length > 0)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(url.UserInfo))));
            }

            response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
            {
                throw new IOException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var type = response.Content.Headers.ContentType;
            var boundary = type?.Parameters.FirstOrDefault(p => string.Equals(p.Name, "boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
            if (type?.MediaType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) != true || string.IsNullOrEmpty(boundary))
            {
                throw new IOException($"not an MJPEG stream (Content-Type '{type}'; expected multipart/x-mixed-replace with a boundary)");
            }

            // Some cameras write the boundary with its leading dashes in the header as well.
            if (boundary.StartsWith("--", StringComparison.Ordinal))
            {
                boundary = boundary[2..];
            }

            return new MjpegHttpStream(http, response, response.Content.ReadAsStream(), boundary, timeout);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            response?.Dispose();
            http.Dispose();
            throw new IOException(e.Message, e);
        }
    }

    /// <summary>Reads the next part; false when the stream ended or stalled longer than the timeout.</summary>
    public bool Grab()
    {
        try
        {
            return ReadPart();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Decodes the last part into <paramref name="frame"/> (BGR); false when it is not a picture.</summary>
    public bool Retrieve(Mat frame)
    {
        if (_jpegLength == 0)
        {
            return false;
        }

        using var decoded = Cv2.ImDecode(_jpeg.AsSpan(0, _jpegLength), ImreadModes.Color);
        if (decoded.Empty())
        {
            return false;
        }

        decoded.CopyTo(frame);
        return true;
    }

    private bool ReadPart()
    {
        _jpegLength = 0;

        // Skip to the delimiter line (there may be a preamble or the previous part's CRLF), then the part's headers.
        var at = Find(_delimiter);
        if (at < 0)
        {
            return false;
        }

        _start = at + _delimiter.Length;
        var headersEnd = Find("\r\n\r\n"u8);
        if (headersEnd < 0)
        {
            return false;
        }

        var headers = Encoding.ASCII.GetString(_buffer, _start, headersEnd - _start);
        _start = headersEnd + 4;
        if (headers.StartsWith("--", StringComparison.Ordinal))
        {
            // The closing delimiter: the camera ended the stream.
            return false;
        }

        var length = ContentLength(headers);
        if (length is { } known)
        {
            if (known > MaxPartBytes || !Fill(known))
            {
                return false;
            }

            Keep(known);
            return true;
        }

        // Without Content-Length the part runs up to the CRLF before the next delimiter.
        var next = Find(_delimiter);
        if (next < 0)
        {
            return false;
        }

        var end = next >= 2 && _buffer[next - 2] == '\r' && _buffer[next - 1] == '\n' ? next - 2 : next;
        Keep(end - _start);
        return true;
    }

    private void Keep(int length)
    {
        if (_jpeg.Length < length)
        {
            _jpeg = new byte[Math.Max(length, _jpeg.Length * 2)];
        }

        _buffer.AsSpan(_start, length).CopyTo(_jpeg);
        _jpegLength = length;
        _start += length;
    }

    private static int? ContentLength(string headers)
    {
        foreach (var line in headers.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(line.AsSpan(colon + 1).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
            {
                return length;
            }
        }

        return null;
    }

    // The index of `pattern` from _start on, reading more as needed; -1 when the stream ends first.
    private int Find(ReadOnlySpan<byte> pattern)
    {
        var searched = _start;
        while (true)
        {
            var found = _buffer.AsSpan(searched, _end - searched).IndexOf(pattern);
            if (found >= 0)
            {
                return searched + found;
            }

            searched = Math.Max(_start, _end - pattern.Length + 1);
            if (_end - _start > MaxPartBytes + MaxHeaderBytes)
            {
                throw new IOException("no part boundary within 16 MiB");
            }

            var before = _start;
            if (!ReadMore())
            {
                return -1;
            }

            searched -= before - _start;
        }
    }

    private bool Fill(int count)
    {
        while (_end - _start < count)
        {
            if (!ReadMore())
            {
                return false;
            }
        }

        return true;
    }

    // Reads once more from the body, compacting or growing the buffer first; false at the end of the stream.
    private bool ReadMore()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        // A camera thread may block here, but not for ever: a stalled stream counts as lost and is reopened.
        using var timeout = new CancellationTokenSource(_readTimeout);
        var read = _body.ReadAsync(_buffer.AsMemory(_end), timeout.Token).AsTask().GetAwaiter().GetResult();
        _end += read;
        return read > 0;
    }

    private static Uri WithoutUserInfo(Uri url) => url.UserInfo.Length == 0 ? url : new UriBuilder(url) { UserName = "", Password = "" }.Uri;

    /// <inheritdoc />
    public void Dispose()
    {
        _body.Dispose();
        _response.Dispose();
        _http.Dispose();
    }
}
