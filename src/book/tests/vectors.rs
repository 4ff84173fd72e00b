//! Every VERIFIED checksum vector of `shared/captures/checksum_vectors.json`, with the published
//! numbers written out here (they are facts from the venues' docs and recorded books), plus the
//! vectors that must *not* reproduce and why.

use crate::book::Level;
use crate::book::checksum::{self, to_signed};
use crate::num::Dec;

struct Vector {
    bids: &'static [(&'static str, &'static str)],
    asks: &'static [(&'static str, &'static str)],
}

impl Vector {
    fn levels(side: &[(&str, &str)]) -> Vec<Level> {
        side.iter()
            .map(|(p, q)| Level::new(Dec::parse(p).unwrap(), Dec::parse(q).unwrap()))
            .collect()
    }
    fn kraken(&self) -> u32 {
        let (bids, asks) = (Self::levels(self.bids), Self::levels(self.asks));
        checksum::kraken(&asks, &bids, &mut Vec::new())
    }
    fn interleaved(&self) -> (u32, String) {
        let (bids, asks) = (Self::levels(self.bids), Self::levels(self.asks));
        let crc = checksum::interleaved_25(&bids, &asks, &mut Vec::new());
        let text = checksum::interleaved_string(&bids, &asks);
        assert_eq!(crc32fast::hash(text.as_bytes()), crc);
        (crc, text)
    }
    fn coinex(&self) -> (u32, String) {
        let (bids, asks) = (Self::levels(self.bids), Self::levels(self.asks));
        let crc = checksum::coinex(&bids, &asks, &mut Vec::new());
        let text = checksum::coinex_string(&bids, &asks);
        assert_eq!(crc32fast::hash(text.as_bytes()), crc);
        (crc, text)
    }
}

#[test]
fn kraken_v2_docs_example_matches_3310070434_and_its_strings() {
    assert_eq!(KRAKEN_V2_DOCS_BTCUSD.kraken(), 3310070434);
    // The docs also publish the two halves of the string.
    let asks = Vector::levels(KRAKEN_V2_DOCS_BTCUSD.asks);
    assert_eq!(
        checksum::kraken_string(&asks, &[]),
        "45285210000045286415457195345286615457110945289615456091145290215890660452918154553491452947445474945296135380000452975994554245299518772827"
    );
    let bids = Vector::levels(KRAKEN_V2_DOCS_BTCUSD.bids);
    assert_eq!(
        checksum::kraken_string(&[], &bids),
        "452835100000004528341545820154528211000000045281010000000452803154592586452790799000045277633101034527753000000045277315460273745276615445238"
    );
}

#[test]
fn kraken_v2_numbers_rendered_at_pair_precision_match_the_docs() {
    // v2 sends JSON numbers: 0.001 on the wire is "0.00100000" at qty_precision 8.
    let short = Dec::parse_json("0.001").unwrap().with_scale(8).unwrap();
    assert_eq!(short.to_string(), "0.00100000");
    let mut asks = Vector::levels(KRAKEN_V2_DOCS_BTCUSD.asks);
    asks[0].size = short;
    let bids = Vector::levels(KRAKEN_V2_DOCS_BTCUSD.bids);
    assert_eq!(checksum::kraken(&asks, &bids, &mut Vec::new()), 3310070434);
    // Without the rescale the digits differ and so does the checksum.
    asks[0].size = Dec::parse_json("0.001").unwrap();
    assert_ne!(checksum::kraken(&asks, &bids, &mut Vec::new()), 3310070434);
}

#[test]
fn kraken_v1_docs_and_recorded_vectors() {
    assert_eq!(KRAKEN_V1_DOCS_EXAMPLE.kraken(), 974947235);
    assert_eq!(KRAKEN_V1_RECORDED_1.kraken(), 577149452);
    assert_eq!(KRAKEN_V1_RECORDED_2.kraken(), 2369158246);
    // contains qty 0.00000048, which must become "48"
    assert_eq!(KRAKEN_V1_RECORDED_3.kraken(), 1611253991);
}

#[test]
fn okx_docs_examples_match_strings_and_signed_values() {
    let (crc, s) = OKX_DOCS_EXAMPLE_1_PAIRED.interleaved();
    assert_eq!(s, "3366.1:7:3366.8:9:3366:6:3368:8");
    assert_eq!(to_signed(crc), -1881014294);
    assert_eq!(checksum::from_signed(-1881014294), Some(crc));
    let (crc, s) = OKX_DOCS_EXAMPLE_2_UNPAIRED.interleaved();
    assert_eq!(s, "3366.1:7:3366.8:9:3368:8:3372:8");
    assert_eq!(to_signed(crc), 831078360);
}

#[test]
fn okx_recorded_30x30_uses_only_the_top_25() {
    let (crc, _) = OKX_RECORDED_30X30.interleaved();
    assert_eq!(crc, 2399502091);
    assert_eq!(to_signed(crc), -1895465205);
}

#[test]
fn bitget_docs_strings_are_reproduced() {
    // Bitget's docs give only the strings, no numbers.
    assert_eq!(
        BITGET_DOCS_STRING_EXAMPLE_1.interleaved().1,
        "43231.1:4:43232.8:9:43231:6:43232.9:8"
    );
    assert_eq!(
        BITGET_DOCS_STRING_EXAMPLE_2.interleaved().1,
        "3366.1:7:3366.8:9:3368:8:3372:8"
    );
}

/// bmoscon/orderbook asserts 3720106698 for this Bitget book, but that value only comes out when
/// prices are rendered the way Python's `str(Decimal)` does for tiny numbers (`1.452E-9`). From
/// the strings as sent (`0.000000001452`) the checksum is 591713976. This is why the book keeps
/// wire text: one formatting step away from it and every checksum fails.
#[test]
fn bitget_library_vector_only_matches_in_scientific_notation() {
    let (from_wire, wire_string) = BITGET_RECORDED_30X30.interleaved();
    assert_eq!(to_signed(from_wire), 591713976);
    assert!(wire_string.starts_with("0.000000001452:26041231119:0.000000001461:"));
    assert_ne!(from_wire, 3720106698);

    let sci = |level: &(&str, &str)| (python_decimal_str(level.0), level.1.to_string());
    let bids: Vec<_> = BITGET_RECORDED_30X30
        .bids
        .iter()
        .take(25)
        .map(sci)
        .collect();
    let asks: Vec<_> = BITGET_RECORDED_30X30
        .asks
        .iter()
        .take(25)
        .map(sci)
        .collect();
    let mut parts = Vec::new();
    for i in 0..25 {
        for (p, q) in [&bids[i], &asks[i]] {
            parts.push(format!("{p}:{q}"));
        }
    }
    let joined = parts.join(":");
    assert!(joined.starts_with("1.452E-9:26041231119:1.461E-9:"));
    assert_eq!(crc32fast::hash(joined.as_bytes()), 3720106698);
}

/// Python's `str(Decimal(text))` for a number below 1e-6: `d.ddd…E-n`, trailing zeros kept.
fn python_decimal_str(text: &str) -> String {
    let dec = Dec::parse(text).unwrap();
    let digits = dec.mantissa().to_string();
    let exponent = digits.len() as i32 - 1 - i32::from(dec.scale());
    format!("{}.{}E{exponent}", &digits[..1], &digits[1..])
}

/// CoinEx documents the construction but its two published examples do not reproduce from the
/// books shown next to them (they are illustrative values), and no full real CoinEx book was
/// ever captured. So these tests pin our reading of the documented *string* and record that the
/// published numbers do not match; they are not conformance vectors and we do not invent one.
#[test]
fn coinex_docs_examples_do_not_reproduce() {
    let (crc, s) = COINEX_V1_DOCS_EXAMPLE.coinex();
    assert_eq!(s, "12.25:0.0588:12.94:0.1524");
    assert_eq!(to_signed(crc), 2022502848);
    assert_ne!(to_signed(crc), 21658179);
    let (crc, s) = COINEX_V2_DOCS_EXAMPLE.coinex();
    assert!(s.starts_with("30736.00:0.04857373:30733.00:0.84696320:"));
    assert_ne!(crc, 2578768879);
    assert_eq!(to_signed(crc), 1431521820);
}

/// Kraken docs 'Book checksum (WebSocket v2)' worked example (docs.kraken.com/api/docs/guides/spot-ws-book-v2 and docs.kraken.com/exchange/guides/websock
const KRAKEN_V2_DOCS_BTCUSD: Vector = Vector {
    bids: &[
        ("45283.5", "0.10000000"),
        ("45283.4", "1.54582015"),
        ("45282.1", "0.10000000"),
        ("45281.0", "0.10000000"),
        ("45280.3", "1.54592586"),
        ("45279.0", "0.07990000"),
        ("45277.6", "0.03310103"),
        ("45277.5", "0.30000000"),
        ("45277.3", "1.54602737"),
        ("45276.6", "0.15445238"),
    ],
    asks: &[
        ("45285.2", "0.00100000"),
        ("45286.4", "1.54571953"),
        ("45286.6", "1.54571109"),
        ("45289.6", "1.54560911"),
        ("45290.2", "0.15890660"),
        ("45291.8", "1.54553491"),
        ("45294.7", "0.04454749"),
        ("45296.1", "0.35380000"),
        ("45297.5", "0.09945542"),
        ("45299.5", "0.18772827"),
    ],
};

/// Kraken WS v1 docs example (the update example in docs 'Book checksum (WebSocket v1)' carries c=974947235); book from bmoscon/orderbook tests/test_chec
const KRAKEN_V1_DOCS_EXAMPLE: Vector = Vector {
    bids: &[
        ("0.05000", "0.00000500"),
        ("0.04995", "0.00000500"),
        ("0.04990", "0.00000500"),
        ("0.04980", "0.00000500"),
        ("0.04975", "0.00000500"),
        ("0.04970", "0.00000500"),
        ("0.04965", "0.00000500"),
        ("0.04960", "0.00000500"),
        ("0.04955", "0.00000500"),
        ("0.04950", "0.00000500"),
    ],
    asks: &[
        ("0.05005", "0.00000500"),
        ("0.05010", "0.00000500"),
        ("0.05015", "0.00000500"),
        ("0.05020", "0.00000500"),
        ("0.05025", "0.00000500"),
        ("0.05030", "0.00000500"),
        ("0.05035", "0.00000500"),
        ("0.05040", "0.00000500"),
        ("0.05045", "0.00000500"),
        ("0.05050", "0.00000500"),
    ],
};

/// bmoscon/orderbook tests/test_checksums.py @ 81afc7f0ac42215cfa9d794951f95f9f00cb8884 test_kraken_checksum ('from recorded data')
const KRAKEN_V1_RECORDED_1: Vector = Vector {
    bids: &[
        ("0.520300", "3943.09454867"),
        ("0.403200", "454.31671175"),
        ("0.403100", "1522.68122054"),
        ("0.403000", "43.31058726"),
        ("0.353200", "49.38467346"),
        ("0.261600", "66.67686034"),
        ("0.111000", "99.09909910"),
        ("0.110000", "909.09090909"),
        ("0.000600", "3333.33333333"),
        ("0.000400", "5000.00000000"),
        ("0.000100", "1000000.00000000"),
    ],
    asks: &[
        ("0.620000", "40.00000000"),
        ("0.830000", "380.86649128"),
        ("1.500000", "333.33333333"),
    ],
};

/// bmoscon/orderbook tests/test_checksums.py @ 81afc7f0ac42215cfa9d794951f95f9f00cb8884 test_kraken_checksum ('from recorded data')
const KRAKEN_V1_RECORDED_2: Vector = Vector {
    bids: &[
        ("0.473400", "1284.67569684"),
        ("0.441000", "40.00415721"),
        ("0.342200", "51.43191116"),
        ("0.261600", "66.92596839"),
        ("0.111000", "99.09909910"),
        ("0.110000", "909.09090909"),
        ("0.000600", "3333.33333333"),
        ("0.000400", "5000.00000000"),
        ("0.000100", "1000000.00000000"),
    ],
    asks: &[
        ("0.814900", "297.71298000"),
        ("0.815000", "500.00000000"),
        ("0.815100", "500.00399385"),
        ("0.815200", "42.03000000"),
        ("0.815300", "21.50000000"),
        ("0.815400", "10.75000000"),
        ("0.829900", "1442.34063708"),
        ("0.830000", "380.86649128"),
        ("1.500000", "333.33333333"),
    ],
};

/// bmoscon/orderbook tests/test_checksums.py @ 81afc7f0ac42215cfa9d794951f95f9f00cb8884 test_kraken_checksum ('from recorded data'; contains qty 0.000000
const KRAKEN_V1_RECORDED_3: Vector = Vector {
    bids: &[
        ("0.000017670", "0.00000048"),
        ("0.000017660", "50.29884341"),
        ("0.000017650", "16958.37856622"),
        ("0.000017640", "16735.08043085"),
        ("0.000017630", "61895.21671233"),
        ("0.000017620", "86958.66158205"),
        ("0.000017610", "8564.64738216"),
        ("0.000017600", "59539.93801826"),
        ("0.000017580", "52578.63046424"),
        ("0.000017570", "46812.60266777"),
        ("0.000017560", "640.09877588"),
    ],
    asks: &[
        ("0.000017680", "38663.54992198"),
        ("0.000017690", "20623.74841086"),
        ("0.000017700", "103797.62636430"),
        ("0.000017710", "40745.97057228"),
        ("0.000017720", "13296.04740856"),
        ("0.000017730", "42078.86085768"),
        ("0.000017740", "64.38065876"),
        ("0.000017760", "1131.70427847"),
        ("0.000017780", "43891.46024565"),
        ("0.000017790", "43908.00000000"),
        ("0.000017810", "0.00005437"),
    ],
};

/// OKX/OKEx docs checksum section example 1 (quoted with its checksum in public repos, e.g. a Chinese copy of the OKEx docs found via code search); same
const OKX_DOCS_EXAMPLE_1_PAIRED: Vector = Vector {
    bids: &[("3366.1", "7"), ("3366", "6")],
    asks: &[("3366.8", "9"), ("3368", "8")],
};

/// OKX docs checksum section example 2; numeric expectation from bmoscon/orderbook tests/test_checksums.py @ 81afc7f0ac42215cfa9d794951f95f9f00cb8884 tes
const OKX_DOCS_EXAMPLE_2_UNPAIRED: Vector = Vector {
    bids: &[("3366.1", "7")],
    asks: &[("3366.8", "9"), ("3368", "8"), ("3372", "8")],
};

/// bmoscon/orderbook tests/test_checksums.py @ 81afc7f0ac42215cfa9d794951f95f9f00cb8884 test_okx_checksum (30 levels per side, only top 25 count)
const OKX_RECORDED_30X30: Vector = Vector {
    bids: &[
        ("28923.2", "0.0000001"),
        ("28923", "0.49101312"),
        ("28922.4", "0.01251868"),
        ("28921.2", "0.00020273"),
        ("28920.9", "0.00009315"),
        ("28920.3", "0.00008106"),
        ("28920", "0.03448414"),
        ("28919.6", "0.00002087"),
        ("28919.3", "0.00026015"),
        ("28919", "0.0000519"),
        ("28917.7", "0.00014609"),
        ("28916.7", "0.00002008"),
        ("28915.9", "0.00009415"),
        ("28915", "0.0454951"),
        ("28914.6", "0.007"),
        ("28914.3", "0.12709954"),
        ("28913.7", "0.0060879"),
        ("28913.6", "0.00342"),
        ("28913.3", "0.00574477"),
        ("28911.8", "0.00106132"),
        ("28911.1", "0.00011083"),
        ("28911", "0.00008173"),
        ("28910", "0.0006918"),
        ("28909.9", "0.06897"),
        ("28909.8", "0.00975481"),
        ("28909.6", "0.00001002"),
        ("28909", "0.00134995"),
        ("28908.5", "0.00796815"),
        ("28908.4", "0.17308796"),
        ("28908.1", "0.67728285"),
    ],
    asks: &[
        ("28923.3", "1.87800235"),
        ("28923.4", "0.04"),
        ("28924.3", "0.06867412"),
        ("28925.6", "0.09861686"),
        ("28925.8", "0.16453656"),
        ("28925.9", "2.23"),
        ("28926", "0.32274814"),
        ("28926.1", "0.6232534"),
        ("28926.4", "1.04"),
        ("28926.8", "0.01707781"),
        ("28928.5", "0.07061975"),
        ("28929", "0.144"),
        ("28930.2", "0.1"),
        ("28930.3", "6.40922866"),
        ("28931.9", "0.54902396"),
        ("28932", "0.17306693"),
        ("28932.7", "2.5672"),
        ("28932.8", "1.19528238"),
        ("28932.9", "0.05"),
        ("28933", "0.34194526"),
        ("28933.5", "0.02319626"),
        ("28933.6", "0.764"),
        ("28933.7", "0.01"),
        ("28934.4", "0.05"),
        ("28935", "0.0115"),
        ("28935.1", "0.48"),
        ("28935.8", "0.00696447"),
        ("28935.9", "0.144"),
        ("28936", "0.12700417"),
        ("28936.5", "1.58799999"),
    ],
};

/// bmoscon/orderbook tests/test_checksums.py @ 81afc7f0ac42215cfa9d794951f95f9f00cb8884 test_bitget_checksum (prices with trailing zeros, e.g. '0.0000000
const BITGET_RECORDED_30X30: Vector = Vector {
    bids: &[
        ("0.000000001452", "26041231119"),
        ("0.000000001451", "765679503030"),
        ("0.000000001450", "24988603767"),
        ("0.000000001449", "1138718088876"),
        ("0.000000001447", "12557585692"),
        ("0.000000001446", "53377804919"),
        ("0.000000001445", "3460207613"),
        ("0.000000001444", "499764868141"),
        ("0.000000001443", "523229389780"),
        ("0.000000001442", "972284349540"),
        ("0.000000001441", "3469812631"),
        ("0.000000001440", "24023644819"),
        ("0.000000001439", "34783252746"),
        ("0.000000001438", "3477051461"),
        ("0.000000001437", "96154818726"),
        ("0.000000001436", "3481894151"),
        ("0.000000001435", "436716489370"),
        ("0.000000001433", "801993699520"),
        ("0.000000001432", "1242648129244"),
        ("0.000000001431", "79364670199"),
        ("0.000000001429", "163983130634"),
        ("0.000000001428", "68235008969"),
        ("0.000000001426", "179767647586"),
        ("0.000000001425", "1300000000000"),
        ("0.000000001424", "1300000000000"),
        ("0.000000001423", "75814709870"),
        ("0.000000001421", "164996453397"),
        ("0.000000001420", "16901408450"),
        ("0.000000001419", "58875214144"),
        ("0.000000001418", "4612402959"),
    ],
    asks: &[
        ("0.000000001461", "3422313485"),
        ("0.000000001462", "174253432795"),
        ("0.000000001465", "530000463264"),
        ("0.000000001466", "799507026717"),
        ("0.000000001467", "458580845176"),
        ("0.000000001468", "1300000000000"),
        ("0.000000001470", "29814639074"),
        ("0.000000001471", "6904159343"),
        ("0.000000001472", "71139049304"),
        ("0.000000001473", "5735877536"),
        ("0.000000001474", "3392130259"),
        ("0.000000001475", "3389830509"),
        ("0.000000001476", "81662587311"),
        ("0.000000001477", "9142169664"),
        ("0.000000001479", "87063042280"),
        ("0.000000001480", "7035327151"),
        ("0.000000001481", "193948520465"),
        ("0.000000001482", "36857236128"),
        ("0.000000001486", "3364737551"),
        ("0.000000001487", "94365814068"),
        ("0.000000001488", "7047935390"),
        ("0.000000001489", "3357958362"),
        ("0.000000001490", "23979201076"),
        ("0.000000001491", "3353454059"),
        ("0.000000001492", "3351206435"),
        ("0.000000001493", "34245570920"),
        ("0.000000001495", "3344481606"),
        ("0.000000001496", "3342245990"),
        ("0.000000001497", "5928111901"),
        ("0.000000001498", "536314945995"),
    ],
};

/// Bitget docs Depth Channel 'Checksum' section (classic/v2), e.g. bitget.com/api-doc/spot/websocket/public/Depth-Channel mirror
const BITGET_DOCS_STRING_EXAMPLE_1: Vector = Vector {
    bids: &[("43231.1", "4"), ("43231", "6")],
    asks: &[("43232.8", "9"), ("43232.9", "8")],
};

/// Bitget docs Depth Channel 'Checksum' section example 2
const BITGET_DOCS_STRING_EXAMPLE_2: Vector = Vector {
    bids: &[("3366.1", "7")],
    asks: &[("3366.8", "9"), ("3368", "8"), ("3372", "8")],
};

/// coinexcom/coinex_exchange_api wiki 044depth (depth.query / depth.update example)
const COINEX_V1_DOCS_EXAMPLE: Vector = Vector {
    bids: &[("12.25", "0.0588")],
    asks: &[("12.94", "0.1524")],
};

/// docs.coinex.com api v2 market-depth example (also quoted in ccxt 4.5.37 python ccxt/pro/coinex.py handle_order_book comment)
const COINEX_V2_DOCS_EXAMPLE: Vector = Vector {
    bids: &[
        ("30736.00", "0.04857373"),
        ("30733.00", "0.84696320"),
        ("30725.00", "0.12563353"),
        ("30422.00", "0"),
    ],
    asks: &[("30740.00", "0.31763545"), ("30769.00", "1.45155000")],
};
