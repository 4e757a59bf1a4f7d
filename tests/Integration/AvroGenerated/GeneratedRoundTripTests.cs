using Kafka.Typed.Avro;
using Kafka.Typed.Integration.Tests.Avro;
using Xunit;

namespace Kafka.Typed.Integration.Tests.AvroGenerated;

/// <summary>Every type mapping round-trips through the generated codec and <see cref="AvroSerde{T}"/> with the in-process registry over HTTP.</summary>
public sealed class GeneratedRoundTripTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>
{
    private T RoundTrip<T>(IAvroCodec<T> codec, T value, string name)
    {
        var topic = TestNames.Unique("gen-rt");
        using var serde = new AvroSerde<T>(codec, fixture.Client);
        var bytes = serde.Serialize(value, topic);
        Assert.Equal(0, bytes[0]);
        var back = serde.Deserialize(bytes, topic, 0, 1);
        Deep.Equal(value, back, name);

        // The body alone (no header) is what the codec writes; reading it consumes every byte.
        Assert.Equal(bytes.AsSpan(5).ToArray(), Body.Of(codec, value));
        Deep.Equal(value, Body.Read(codec, bytes.AsSpan(5)), name + " (body)");
        return back;
    }

    [Fact]
    public void Scalars_and_logical_types_round_trip_with_edge_values()
    {
        var count = 0;
        foreach (var (name, value) in Samples.Scalars())
        {
            var back = RoundTrip(AllScalars.AvroCodec.Instance, value, name);
            Assert.Equal(DateTimeKind.Utc, back.At.Kind);
            Assert.Equal(DateTimeKind.Utc, back.AtMicros.Kind);
            count++;
        }

        Assert.Equal(6, count);
    }

    [Fact]
    public void DateTimeOffset_with_an_offset_keeps_the_instant_and_DateTime_comes_back_utc()
    {
        var value = new AllScalars
        {
            At = new DateTime(2026, 6, 1, 12, 0, 0, 250, DateTimeKind.Utc),
            AtOffset = new DateTimeOffset(2026, 6, 1, 14, 0, 0, 250, TimeSpan.FromHours(2)),
            AtOffsetMicros = new DateTimeOffset(2026, 6, 1, 6, 30, 0, TimeSpan.FromHours(-5.5)).AddTicks(1_230),
        };
        var back = RoundTrip(AllScalars.AvroCodec.Instance, value, "offsets");
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 12, 0, 0, 250, TimeSpan.Zero), back.AtOffset);
        Assert.Equal(value.AtOffset.UtcDateTime, back.AtOffset.UtcDateTime);
        Assert.Equal(new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1_230), back.AtOffsetMicros.UtcDateTime);
        Assert.Equal(value.At, back.At);
        Assert.Equal(DateTimeKind.Utc, back.At.Kind);
    }

    [Fact]
    public void Timestamps_keep_exactly_the_precision_of_their_logical_type()
    {
        var instant = new DateTime(2026, 11, 27, 3, 4, 5, DateTimeKind.Utc).AddTicks(1_234_567);
        var value = new AllScalars { At = instant, AtMicros = instant, AtOffset = instant, AtOffsetMicros = instant };
        var topic = TestNames.Unique("gen-precision");
        using var serde = new AvroSerde<AllScalars>(AllScalars.AvroCodec.Instance, fixture.Client);
        var back = serde.Deserialize(serde.Serialize(value, topic), topic, 0, 0);
        Assert.Equal(Samples.TruncateToMillis(instant), back.At);
        Assert.Equal(Samples.TruncateToMicros(instant), back.AtMicros);
        Assert.Equal(Samples.TruncateToMillis(instant), back.AtOffset.UtcDateTime);
        Assert.Equal(Samples.TruncateToMicros(instant), back.AtOffsetMicros.UtcDateTime);
    }

    [Fact]
    public void Nullable_value_and_reference_types_round_trip_null_and_set()
    {
        foreach (var (name, value) in Samples.NullableValues())
        {
            RoundTrip(Nullables.AvroCodec.Instance, value, name);
        }
    }

    [Fact]
    public void Arrays_lists_and_maps_round_trip_empty_full_and_large()
    {
        foreach (var (name, value) in Samples.CollectionValues())
        {
            var back = RoundTrip(Collections.AvroCodec.Instance, value, name);
            Assert.IsType<int[]>(back.Ints);
            Assert.IsType<Address[]>(back.Addresses);
        }
    }

    [Fact]
    public void Nested_records_renamed_fields_and_ignored_members_round_trip()
    {
        var value = Samples.Customer() with { Cached = "changed locally" };
        var topic = TestNames.Unique("gen-customer");
        using var serde = new AvroSerde<Customer>(Customer.AvroCodec.Instance, fixture.Client);
        var back = serde.Deserialize(serde.Serialize(value, topic), topic, 0, 0);
        Deep.Equal(value with { Cached = "not in avro" }, back, "customer");
        Assert.Equal("not in avro", back.Cached);
        Deep.Equal(value with { Work = null }, serde.Deserialize(serde.Serialize(value with { Work = null }, topic), topic, 0, 1) with { Cached = "changed locally" }, "customer without work");
    }

    [Fact]
    public void Recursive_records_round_trip()
    {
        RoundTrip(Forest.AvroCodec.Instance, Samples.Forest(), "forest");
        RoundTrip(Forest.AvroCodec.Instance, new Forest(), "empty forest");
        RoundTrip(Category.AvroCodec.Instance, Samples.Category(), "categories");
    }

    [Fact]
    public void Recursion_up_to_the_reader_depth_limit_round_trips()
    {
        // A chain through the nullable self reference: the Forest record itself is depth 1, Root depth 2, each Origin one
        // more, so this chain reaches exactly AvroReader.MaxDepth.
        var node = new TreeNode { Name = "leaf" };
        for (var i = 0; i < AvroReader.MaxDepth - 2; i++)
        {
            node = new TreeNode { Name = "n" + i, Origin = node };
        }

        RoundTrip(Forest.AvroCodec.Instance, new Forest { Root = node }, "deep chain");
    }

    [Fact]
    public void Defaults_do_not_change_what_is_written()
    {
        RoundTrip(WithDefaults.AvroCodec.Instance, new WithDefaults(), "defaults");
        RoundTrip(WithDefaults.AvroCodec.Instance, new WithDefaults("n", -1, Level.Low, double.NaN) { Tags = ["t"], Totals = new() { ["a"] = 1 }, Maybe = "m", Optional = 0, NoDefault = 5, Letter = "z" }, "set");
    }

    [Fact]
    public void Null_in_a_non_nullable_member_fails_on_write_naming_the_member()
    {
        void Expect<T>(IAvroCodec<T> codec, T value, string member)
        {
            var topic = TestNames.Unique("gen-null-" + typeof(T).Name.ToLowerInvariant());
            using var serde = new AvroSerde<T>(codec, fixture.Client);
            var e = Assert.Throws<KafkaAvroException>(() => serde.Serialize(value, topic));
            Assert.Equal(AvroErrorKind.UnexpectedNull, e.Kind);
            Assert.Contains(member, e.Message, StringComparison.Ordinal);
        }

        Expect(AllScalars.AvroCodec.Instance, new AllScalars { Text = null! }, "AllScalars.Text");
        Expect(AllScalars.AvroCodec.Instance, new AllScalars { Blob = null! }, "AllScalars.Blob");
        Expect(Collections.AvroCodec.Instance, new Collections { Strings = null! }, "Collections.Strings");
        Expect(Collections.AvroCodec.Instance, new Collections { Strings = ["ok", null!] }, "Collections.Strings[]");
        Expect(Collections.AvroCodec.Instance, new Collections { Counts = null! }, "Collections.Counts");
        Expect(Collections.AvroCodec.Instance, new Collections { Addresses = [null!] }, "Collections.Addresses[]");
        Expect(Collections.AvroCodec.Instance, new Collections { Book = new() { ["k"] = null! } }, "Collections.Book{}");
        Expect(Customer.AvroCodec.Instance, Samples.Customer() with { Home = null! }, "Customer.Home");
        Expect(Customer.AvroCodec.Instance, Samples.Customer() with { Id = null! }, "Customer.Id");
        Expect(Customer.AvroCodec.Instance, Samples.Customer() with { Home = new Address { Street = null! } }, "Address.Street");
        Expect(Forest.AvroCodec.Instance, new Forest { Root = new TreeNode { Children = [new TreeNode { Children = null! }] } }, "TreeNode.Children");
        Expect<AllScalars>(AllScalars.AvroCodec.Instance, null!, "AllScalars");
    }

    [Fact]
    public void An_enum_value_that_is_not_a_member_fails_on_write()
    {
        var topic = TestNames.Unique("gen-enum");
        using var serde = new AvroSerde<AllScalars>(AllScalars.AvroCodec.Instance, fixture.Client);
        var e = Assert.Throws<KafkaAvroException>(() => serde.Serialize(new AllScalars { Level = (Level)42 }, topic));
        Assert.Equal(AvroErrorKind.InvalidValue, e.Kind);
    }

    [Fact]
    public void A_decimal_with_more_fractional_digits_than_the_scale_fails_on_write()
    {
        var topic = TestNames.Unique("gen-scale");
        using var serde = new AvroSerde<AllScalars>(AllScalars.AvroCodec.Instance, fixture.Client);
        Assert.Equal(AvroErrorKind.InvalidValue, Assert.Throws<KafkaAvroException>(() => serde.Serialize(new AllScalars { Price = 1.0001m }, topic)).Kind);
        Assert.Equal(AvroErrorKind.InvalidValue, Assert.Throws<KafkaAvroException>(() => serde.Serialize(new AllScalars { Amount = 0.000000000000001m }, topic)).Kind);
    }

    [Fact]
    public void A_decimal_beyond_the_declared_precision_fails_on_write()
    {
        // [AvroDecimal(10, 3)] allows 7 integer digits; the default (29, 14) allows 15. Avro's precision is the maximum
        // number of digits; Apache Avro (Java) refuses to encode more, so writing more produces data other clients reject.
        var topic = TestNames.Unique("gen-precision");
        using var serde = new AvroSerde<AllScalars>(AllScalars.AvroCodec.Instance, fixture.Client);
        foreach (var value in new[] { new AllScalars { Price = 123_456_789m }, new AllScalars { Amount = 1_000_000_000_000_000m } })
        {
            var e = Assert.Throws<KafkaAvroException>(() => serde.Serialize(value, topic));
            Assert.Equal(AvroErrorKind.InvalidValue, e.Kind);
        }
    }

    [Fact]
    public void Decimal_MaxValue_with_the_default_precision_is_never_written_unreadably()
    {
        // Either the write fails (InvalidValue) or the bytes read back to the same value: writing bytes our own reader
        // rejects would poison the topic.
        var topic = TestNames.Unique("gen-decimal-max");
        using var serde = new AvroSerde<AllScalars>(AllScalars.AvroCodec.Instance, fixture.Client);
        foreach (var amount in new[] { decimal.MaxValue, decimal.MinValue })
        {
            byte[] bytes;
            try
            {
                bytes = serde.Serialize(new AllScalars { Amount = amount }, topic);
            }
            catch (KafkaAvroException e) when (e.Kind == AvroErrorKind.InvalidValue)
            {
                continue;
            }

            var read = Record.Exception(() => serde.Deserialize(bytes, topic, 0, 0));
            Assert.True(read is null, $"{amount} was written but cannot be read back: {read?.Message}");
            Assert.Equal(amount, serde.Deserialize(bytes, topic, 0, 0).Amount);
        }
    }
}
