// Renders ClassAds the way HTCondor 25's `condor_q -json` / `condor_status -json` print them
// (see test/fixtures/condor/README.md): a '[' line, each ad '{' ... '}' with one `"Attr": value`
// per line (two-space indent, keys sorted case-insensitively), ads separated by a ',' line,
// then ']'; no ads at all is 0 bytes. Only attributes in the projection are printed, as with
// `-attributes`; an attribute an ad lacks is omitted (never null).

export type AdValue = string | number | boolean;
export type Ad = Record<string, AdValue | undefined>;

export function renderAds(ads: readonly Ad[], projection?: readonly string[]): string {
  if (ads.length === 0) return "";
  const wanted = projection ? new Set(projection.map((a) => a.toLowerCase())) : undefined;
  // Ads of one kind share their attribute names: sort each set of names once.
  const orders = new Map<string, string[]>();
  const blocks = ads.map((ad) => {
    const present = Object.keys(ad).filter((k) => ad[k] !== undefined);
    const signature = present.join(",");
    let keys = orders.get(signature);
    if (!keys) {
      keys = present
        .filter((k) => wanted === undefined || wanted.has(k.toLowerCase()))
        .sort((a, b) => {
          const la = a.toLowerCase();
          const lb = b.toLowerCase();
          return la < lb ? -1 : la > lb ? 1 : 0;
        });
      orders.set(signature, keys);
    }
    let text = "{\n";
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      text += `  "${k}": ${renderValue(ad[k] as AdValue)}${i < keys.length - 1 ? ",\n" : "\n"}`;
    }
    return `${text}}`;
  });
  return `[\n${blocks.join("\n,\n")}\n]\n`;
}

function renderValue(value: AdValue): string {
  if (typeof value === "number" && !Number.isInteger(value)) {
    // HTCondor prints reals with a decimal point (2.0, not 2).
    return Number.isFinite(value) ? String(value) : "0.0";
  }
  if (typeof value !== "string") return String(value);
  // HTCondor escapes '/' in strings ("\/Expr(...)\/").
  const json = JSON.stringify(value);
  return json.includes("/") ? json.replaceAll("/", "\\/") : json;
}
