using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Matrix.Crypto;

namespace Matrix.Crypto.Tests;

/// <summary>A generated JSON tree; ToString shows it when a property fails.</summary>
public sealed record JsonTree(JsonNode? Node)
{
    public override string ToString() => Node?.ToJsonString() ?? "null";
}

public static class JsonTreeGenerators
{
    // Pieces that stress escaping, multi-byte UTF-8 and code point ordering.
    private static readonly string[] Pieces =
        ["a", "b", "z", "A", "0", " ", "é", "日", "本", "😀", "𝄞", "｡", "\uffff", "\ue000", "\n", "\t", "\u0000", "\u001f", "\"", "\\", "/", "\u007f", "\u2028"];

    private static readonly long[] Boundaries = [0, 1, -1, 9007199254740991, -9007199254740991, int.MaxValue, int.MinValue, 1L << 40];

    public static Arbitrary<JsonTree> Trees() =>
        Arb.From(Gen.Sized(size => Node(Math.Min(size, 6))).Select(n => new JsonTree(n)));

    private static Gen<string> Strings() =>
        Gen.ListOf(Gen.Elements(Pieces)).Select(parts => string.Concat(parts.Take(8)));

    private static Gen<long> Integers() =>
        Gen.OneOf(
            Gen.Elements(Boundaries),
            Gen.Choose(-1000, 1000).Select(i => (long)i),
            Gen.Zip(Gen.Choose(-(1 << 20), 1 << 20), Gen.Choose(0, int.MaxValue)).Select(t => ((long)t.Item1 << 32) + t.Item2));

    private static Gen<JsonNode?> Leaf() =>
        Gen.OneOf(
            Strings().Select(s => (JsonNode?)JsonValue.Create(s)),
            Integers().Select(i => (JsonNode?)JsonValue.Create(i)),
            Gen.Elements<JsonNode?>(JsonValue.Create(true), JsonValue.Create(false), null));

    private static Gen<JsonNode?> Node(int size)
    {
        if (size <= 0) return Leaf();
        var child = Gen.Sized(_ => Node(size / 2));
        var array = Gen.ListOf(child).Select(items => (JsonNode?)new JsonArray([.. items.Take(5)]));
        var obj = Gen.ListOf(Gen.Zip(Strings(), child)).Select(pairs =>
        {
            var o = new JsonObject();
            foreach (var (key, value) in pairs.Take(5)) o.TryAdd(key, value);
            return (JsonNode?)o;
        });
        return Gen.OneOf(Leaf(), array, obj);
    }
}

[Properties(Arbitrary = [typeof(JsonTreeGenerators)], MaxTest = 300)]
public class CanonicalJsonProperties
{
    [Property]
    public bool Canonical_form_is_a_fixed_point_of_parse_then_encode(JsonTree tree)
    {
        var canonical = CanonicalJson.Serialize(tree.Node);
        var reparsed = CanonicalJsonParser.Parse(canonical);
        return CanonicalJson.Serialize(reparsed).AsSpan().SequenceEqual(canonical);
    }

    [Property]
    public bool Key_order_does_not_matter(JsonTree tree, int seed)
    {
        var shuffled = Shuffle(tree.Node, new Random(seed));
        return CanonicalJson.Serialize(shuffled).AsSpan().SequenceEqual(CanonicalJson.Serialize(tree.Node));
    }

    [Property]
    public bool Element_and_node_encodings_agree(JsonTree tree)
    {
        var text = tree.Node?.ToJsonString() ?? "null";
        return CanonicalJson.Serialize(System.Text.Json.JsonElement.Parse(text)).AsSpan().SequenceEqual(CanonicalJson.Serialize(tree.Node));
    }

    private static JsonNode? Shuffle(JsonNode? node, Random random) => node switch
    {
        JsonObject obj => Rebuild(obj, random),
        JsonArray array => new JsonArray([.. array.Select(item => Shuffle(item, random))]),
        _ => node?.DeepClone(),
    };

    private static JsonObject Rebuild(JsonObject obj, Random random)
    {
        var entries = obj.ToArray();
        random.Shuffle(entries);
        var result = new JsonObject();
        foreach (var (key, value) in entries) result[key] = Shuffle(value, random);
        return result;
    }
}
