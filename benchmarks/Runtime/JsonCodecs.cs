// Hand-written JSON decoders of JsonTrade for --breakdown (issue 14): what a change to the generated JSON codec
// (src/Generators/Emit/JsonEmitter.cs) would gain, measured here without touching the generator.
//   Replica        the generated codec's shape for this record, written out by hand (KafkaJson helpers, an if/else chain
//                  of ValueTextEquals over the UTF-8 names in declaration order, "member" for the error message, presence
//                  flags, setters after the loop); its time should match the generated codec's, which checks the replica
//   ExpectedOrder  the same, but each property is first compared with the name written at that position by the generated
//                  writer (which writes in declaration order), falling back to the chain when the payload's order differs
//   NoComments     ExpectedOrder with a reader that does not skip comments (JsonCommentHandling.Disallow, the default);
//                  the generated codec accepts comments today, so this one is a contract change, not a free one
using System.Text.Json;

namespace Kafka.Typed.Benchmarks.Runtime;

internal static class JsonCodecs
{
    private static readonly JsonReaderOptions s_skipComments = new() { CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Reads every token of the payload and nothing else, as the generated codec's reader does: the floor of any decode over <see cref="Utf8JsonReader"/>.</summary>
    public static int TokensOnly(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, s_skipComments);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    /// <summary>The generated codec's shape, by hand.</summary>
    public static JsonTrade Replica(ReadOnlySpan<byte> data)
    {
        var reader = KafkaJson.StartObject(data);
        string? p0 = default, p1 = default, p4 = default;
        long p2 = default;
        double p3 = default;
        int p5 = default;
        bool s0 = false, s1 = false, s2 = false, s3 = false, s4 = false, s5 = false;
        var member = "";
        try
        {
            while (KafkaJson.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("tradeId"u8))
                {
                    member = "tradeId";
                    KafkaJson.Value(ref reader);
                    p0 = KafkaJson.IsNull(ref reader) ? null : reader.GetString();
                    s0 = true;
                }
                else if (reader.ValueTextEquals("symbol"u8))
                {
                    member = "symbol";
                    KafkaJson.Value(ref reader);
                    p1 = KafkaJson.IsNull(ref reader) ? null : reader.GetString();
                    s1 = true;
                }
                else if (reader.ValueTextEquals("quantity"u8))
                {
                    member = "quantity";
                    KafkaJson.Value(ref reader);
                    p2 = reader.GetInt64();
                    s2 = true;
                }
                else if (reader.ValueTextEquals("price"u8))
                {
                    member = "price";
                    KafkaJson.Value(ref reader);
                    p3 = reader.GetDouble();
                    s3 = true;
                }
                else if (reader.ValueTextEquals("venue"u8))
                {
                    member = "venue";
                    KafkaJson.Value(ref reader);
                    p4 = KafkaJson.IsNull(ref reader) ? null : reader.GetString();
                    s4 = true;
                }
                else if (reader.ValueTextEquals("sequence"u8))
                {
                    member = "sequence";
                    KafkaJson.Value(ref reader);
                    p5 = reader.GetInt32();
                    s5 = true;
                }
                else
                {
                    KafkaJson.SkipValue(ref reader);
                }
            }

            member = "";
            return Build(p0, p1, p2, p3, p4, p5, s0, s1, s2, s3, s4, s5);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException or ArgumentException or KafkaSerializationException)
        {
            throw KafkaJson.Failed(member, e);
        }
    }

    /// <summary>The replica, comparing each property name first with the one the writer puts at that position.</summary>
    public static JsonTrade ExpectedOrder(ReadOnlySpan<byte> data) => ExpectedOrder(KafkaJson.StartObject(data));

    /// <summary><see cref="ExpectedOrder(ReadOnlySpan{byte})"/> with a reader that does not skip comments.</summary>
    public static JsonTrade NoComments(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new KafkaSerializationException("expected a JSON object");
        }

        return ExpectedOrder(reader);
    }

    private static JsonTrade ExpectedOrder(Utf8JsonReader reader)
    {
        string? p0 = default, p1 = default, p4 = default;
        long p2 = default;
        double p3 = default;
        int p5 = default;
        bool s0 = false, s1 = false, s2 = false, s3 = false, s4 = false, s5 = false;
        var member = "";
        var next = 0; // the index of the property the writer puts next
        try
        {
            while (KafkaJson.NextProperty(ref reader))
            {
                var index = next switch
                {
                    0 when reader.ValueTextEquals("tradeId"u8) => 0,
                    1 when reader.ValueTextEquals("symbol"u8) => 1,
                    2 when reader.ValueTextEquals("quantity"u8) => 2,
                    3 when reader.ValueTextEquals("price"u8) => 3,
                    4 when reader.ValueTextEquals("venue"u8) => 4,
                    5 when reader.ValueTextEquals("sequence"u8) => 5,
                    _ => Lookup(ref reader),
                };
                next = index + 1;
                switch (index)
                {
                    case 0:
                        member = "tradeId";
                        KafkaJson.Value(ref reader);
                        p0 = KafkaJson.IsNull(ref reader) ? null : reader.GetString();
                        s0 = true;
                        break;
                    case 1:
                        member = "symbol";
                        KafkaJson.Value(ref reader);
                        p1 = KafkaJson.IsNull(ref reader) ? null : reader.GetString();
                        s1 = true;
                        break;
                    case 2:
                        member = "quantity";
                        KafkaJson.Value(ref reader);
                        p2 = reader.GetInt64();
                        s2 = true;
                        break;
                    case 3:
                        member = "price";
                        KafkaJson.Value(ref reader);
                        p3 = reader.GetDouble();
                        s3 = true;
                        break;
                    case 4:
                        member = "venue";
                        KafkaJson.Value(ref reader);
                        p4 = KafkaJson.IsNull(ref reader) ? null : reader.GetString();
                        s4 = true;
                        break;
                    case 5:
                        member = "sequence";
                        KafkaJson.Value(ref reader);
                        p5 = reader.GetInt32();
                        s5 = true;
                        break;
                    default:
                        next = 0;
                        KafkaJson.SkipValue(ref reader);
                        break;
                }
            }

            member = "";
            return Build(p0, p1, p2, p3, p4, p5, s0, s1, s2, s3, s4, s5);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException or ArgumentException or KafkaSerializationException)
        {
            throw KafkaJson.Failed(member, e);
        }
    }

    private static int Lookup(ref Utf8JsonReader reader)
        => reader.ValueTextEquals("tradeId"u8) ? 0
            : reader.ValueTextEquals("symbol"u8) ? 1
            : reader.ValueTextEquals("quantity"u8) ? 2
            : reader.ValueTextEquals("price"u8) ? 3
            : reader.ValueTextEquals("venue"u8) ? 4
            : reader.ValueTextEquals("sequence"u8) ? 5
            : -1;

    private static JsonTrade Build(string? p0, string? p1, long p2, double p3, string? p4, int p5, bool s0, bool s1, bool s2, bool s3, bool s4, bool s5)
    {
        var result = new JsonTrade();
        if (s0)
        {
            result.TradeId = KafkaJson.Required(p0, "tradeId");
        }

        if (s1)
        {
            result.Symbol = KafkaJson.Required(p1, "symbol");
        }

        if (s2)
        {
            result.Quantity = p2;
        }

        if (s3)
        {
            result.Price = p3;
        }

        if (s4)
        {
            result.Venue = KafkaJson.Required(p4, "venue");
        }

        if (s5)
        {
            result.Sequence = p5;
        }

        return result;
    }
}
