using System.Text.Json;
using System.Text.Json.Serialization;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Live;

/// <summary>
/// An alert event as clients receive it: the alert's own members with its feed position as one more member,
/// <c>position</c>, in a single argument. A client written to the first shape of the protocol (one argument,
/// <c>On&lt;AlertRaised&gt;("AlertRaised", …)</c> in .NET, which binds handlers by argument count) keeps receiving it.
/// </summary>
[JsonConverter(typeof(FeedEventConverterFactory))]
public sealed record FeedEvent<T>(T Alert, FeedPosition Position)
    where T : class;

/// <summary>Writes a <see cref="FeedEvent{T}"/> flat: the alert's members, then <c>position</c>.</summary>
public sealed class FeedEventConverterFactory : JsonConverterFactory
{
    /// <inheritdoc />
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(FeedEvent<>);

    /// <inheritdoc />
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(FeedEventConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class FeedEventConverter<T> : JsonConverter<FeedEvent<T>>
        where T : class
    {
        public override FeedEvent<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var alert = root.Deserialize<T>(options) ?? throw new JsonException("An alert event needs its alert.");
            var name = options.PropertyNamingPolicy?.ConvertName("Position") ?? "Position";
            var position = root.TryGetProperty(name, out var value) ? value.Deserialize<FeedPosition>(options) : null;
            return new FeedEvent<T>(alert, position ?? throw new JsonException("An alert event needs its position."));
        }

        public override void Write(Utf8JsonWriter writer, FeedEvent<T> value, JsonSerializerOptions options)
        {
            using var alert = JsonSerializer.SerializeToDocument(value.Alert, options);
            writer.WriteStartObject();
            foreach (var member in alert.RootElement.EnumerateObject())
            {
                member.WriteTo(writer);
            }

            writer.WritePropertyName(options.PropertyNamingPolicy?.ConvertName("Position") ?? "Position");
            JsonSerializer.Serialize(writer, value.Position, options);
            writer.WriteEndObject();
        }
    }
}
