using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Pax.Live.Testing;

/// <summary>
/// A push subscription as a browser makes it: a P-256 key pair and a 16-byte authentication secret, the private half
/// kept here to decrypt what arrives (RFC 8291, content coding aes128gcm of RFC 8188).
/// </summary>
public sealed class BrowserSubscription : IDisposable
{
    private readonly ECDiffieHellman _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public BrowserSubscription(string endpoint)
    {
        Endpoint = endpoint;
        var q = _key.ExportParameters(includePrivateParameters: false).Q;
        PublicKey = [0x04, .. q.X!, .. q.Y!];
        Auth = RandomNumberGenerator.GetBytes(16);
    }

    public string Endpoint { get; }

    public byte[] PublicKey { get; }

    public byte[] Auth { get; }

    /// <summary>What <c>PushSubscription.toJSON()</c> gives, the body of <c>PUT /api/push/subscriptions/{id}</c>.</summary>
    public object Json(string? label = null) => new
    {
        endpoint = Endpoint,
        keys = new { p256dh = Base64Url.EncodeToString(PublicKey), auth = Base64Url.EncodeToString(Auth) },
        label,
    };

    /// <summary>The plaintext of an aes128gcm body encrypted to this subscription.</summary>
    public byte[] Decrypt(byte[] body)
    {
        // Header (RFC 8188 section 2.1): salt (16) | record size (4) | key id length (1) | key id: the sender's public key.
        var salt = body[..16];
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        var idLength = body[20];
        Assert.Equal(65, idLength);
        var senderKey = body[21..(21 + idLength)];
        var ciphertext = body[(21 + idLength)..];
        Assert.True(ciphertext.Length <= recordSize, "One record is expected.");

        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = senderKey[1..33], Y = senderKey[33..] },
        });
        var ecdhSecret = _key.DeriveRawSecretAgreement(sender.PublicKey);

        // RFC 8291 section 3.4: the key from the ECDH secret and the auth secret, then the content key and nonce.
        byte[] keyInfo = [.. "WebPush: info\0"u8, .. PublicKey, .. senderKey];
        var prkKey = HKDF.Extract(HashAlgorithmName.SHA256, ecdhSecret, Auth);
        var ikm = HKDF.Expand(HashAlgorithmName.SHA256, prkKey, 32, keyInfo);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, "Content-Encoding: aes128gcm\0"u8.ToArray());
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, "Content-Encoding: nonce\0"u8.ToArray());

        using var aes = new AesGcm(cek, 16);
        var plain = new byte[ciphertext.Length - 16];
        aes.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], plain);

        // The last record ends with the delimiter 2, then zero padding.
        var end = plain.Length - 1;
        while (end >= 0 && plain[end] == 0)
        {
            end--;
        }

        Assert.True(end >= 0 && plain[end] == 2, "The last record's delimiter is missing.");
        return plain[..end];
    }

    /// <summary>The decrypted payload as JSON.</summary>
    public JsonElement Payload(ReceivedPush push) => JsonDocument.Parse(Decrypt(push.Body)).RootElement;

    public void Dispose() => _key.Dispose();
}
