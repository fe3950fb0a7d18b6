// chainrule's one number format, for every page, widget and export (Python twin:
// chainrule.utils.numbers.format_number; docs/numbers.md states the rule, tests/playgrounds/test_number_format.py
// checks that both give the same text for the same float).
//
// `digits` significant digits (default 4), rounded half away from zero on the exact binary value; a whole
// number keeps ".0" (-24 -> "-24.0"); trailing zeros are dropped (1.9, 0.042, 1/3 -> "0.3333"); exponent
// notation ("7.326e5", "1e-5") when the rounded magnitude is >= 1e4 or < 1e-4; 0 and -0 -> "0.0"; NaN -> "nan",
// +-Infinity -> "inf" / "-inf"; null or undefined -> "—"; a string is shown as it is.
//
// A plain script, so one file serves every way chainrule loads JavaScript: the offline HTML and the widgets
// put it in front of graph.js (chainrule.viz.html.viewer_js), the graph lab loads it with a <script> tag, and
// the playground pages' ES module (web/static/common.js) imports it for the global it sets.
function crFormatNumber(v, digits) {
  if (digits === undefined) digits = 4;
  if (v === null || v === undefined) return "\u2014";
  if (typeof v !== "number") return String(v);
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0.0";
  var sign = v < 0 ? "-" : "";
  var a = Math.abs(v);
  var parts = a.toExponential(digits - 1).split("e");  // rounded: "7.326e+5"
  var exponent = Number(parts[1]);
  if (exponent >= 4 || exponent < -4) {
    var m = crTrimZeros(parts[0]);
    return sign + (m.slice(-2) === ".0" ? m.slice(0, -2) : m) + "e" + exponent;
  }
  if (exponent >= digits) {  // fewer digits than the integer part has (2 digits of 531 -> 530): pad with zeros
    var whole = parts[0].replace(".", "");
    while (whole.length <= exponent) whole += "0";
    return sign + whole + ".0";
  }
  return sign + crTrimZeros(a.toFixed(digits - 1 - exponent));
}

function crTrimZeros(t) {  // "1.9000" -> "1.9", "24" -> "24.0", "0.0400" -> "0.04"
  return t.indexOf(".") >= 0 ? t.replace(/0+$/, "").replace(/\.$/, ".0") : t + ".0";
}

globalThis.crFormatNumber = crFormatNumber;
