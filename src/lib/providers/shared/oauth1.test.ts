import { describe, expect, it } from "vitest";
import {
  formPairs,
  hmacSha1Signature,
  NonceStore,
  parseOAuthHeader,
  signatureBaseString,
  verifyOAuth1,
} from "@sim/oauth1-verify";
import { assertSignable, oauth1BaseString, oauth1Header, signOAuth1, OAuth1SigningError, type OAuth1Request } from "./oauth1";

const consumer = { key: "dpf43f3p2l4k3l03", secret: "kd94hf93k423kf44" };
const token = { key: "nnch734d00sl2jdk", secret: "pfkkdhi9sl3r4s00" };
const photos = "http://photos.example.net/photos?file=vacation.jpg&size=original";

/** Checks a request signed by the app with the simulator's independent verifier. */
function independentlyValid(req: OAuth1Request, formBody?: string) {
  return verifyOAuth1({
    method: req.method,
    url: req.url,
    authorization: oauth1Header(req),
    formBody,
    consumerSecret: (k) => (k === req.consumer.key ? req.consumer.secret : undefined),
    tokenSecret: (t) => (t === req.token?.key ? req.token.secret : undefined),
    requireToken: Boolean(req.token),
    nonces: new NonceStore(),
  });
}

describe("signing vectors", () => {
  it("reproduces RFC 5849 §1.2 (no oauth_version)", () => {
    const signed = signOAuth1({ consumer, token, method: "GET", url: photos, nonce: "chapoH", timestamp: 137131202, version: null });
    expect(signed.oauth_signature).toBe("MdpQcU8iPSUjWoN/UDMsK2sui9I=");
    expect(signed).not.toHaveProperty("oauth_version");
  });

  it("reproduces OAuth Core 1.0 Appendix A.5 (base string and signature)", () => {
    const req = { consumer, token, method: "GET", url: photos, nonce: "kllo9940pd9333jh", timestamp: 1191242096 };
    expect(oauth1BaseString(req)).toBe(
      "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal",
    );
    expect(signOAuth1(req).oauth_signature).toBe("tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
    // The header carries the signature percent-encoded and nothing but protocol parameters.
    const header = oauth1Header(req);
    expect(header).toContain('oauth_signature="tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D"');
    expect([...parseOAuthHeader(header)!.keys()].every((k) => k.startsWith("oauth_"))).toBe(true);
  });

  it("the simulator's verifier computes both vectors on its own", () => {
    const params = (nonce: string, timestamp: string, version?: string): Array<[string, string]> => [
      ...formPairs(new URL(photos).search.slice(1)),
      ["oauth_consumer_key", consumer.key],
      ["oauth_token", token.key],
      ["oauth_signature_method", "HMAC-SHA1"],
      ["oauth_timestamp", timestamp],
      ["oauth_nonce", nonce],
      ...(version ? [["oauth_version", version] as [string, string]] : []),
    ];
    const sign = (pairs: Array<[string, string]>) => hmacSha1Signature(signatureBaseString("GET", photos, pairs), consumer.secret, token.secret);
    expect(sign(params("chapoH", "137131202"))).toBe("MdpQcU8iPSUjWoN/UDMsK2sui9I=");
    expect(sign(params("kllo9940pd9333jh", "1191242096", "1.0"))).toBe("tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
  });

  it("the simulator's verifier reproduces the RFC 5849 §3.4.1.1 base string the library gets wrong", () => {
    const header =
      'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"';
    const url = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b";
    const pairs = [
      ...formPairs(new URL(url).search.slice(1)),
      ...formPairs("c2&a3=2+q"),
      ...[...parseOAuthHeader(header)!].filter(([k]) => k !== "realm" && k !== "oauth_signature"),
    ];
    expect(signatureBaseString("POST", url, pairs)).toBe(
      "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7",
    );
    // …and our signer refuses that very request instead of signing it wrongly.
    expect(() => assertSignable({ url, form: { c2: "", a3: "2 q" } })).toThrow(OAuth1SigningError);
  });
});

describe("base-string edge cases the Garmin calls rely on", () => {
  const base = { consumer, token, method: "GET" };

  it("encodes spaces as %20 and reserved characters in values", () => {
    const url = "https://apis.garmin.com/x?q=a%20b&r=%21%2A%27%28%29%3A%2F%40%26%3D%C3%A9";
    const req = { ...base, url, nonce: "n1", timestamp: 1700000000 };
    const bs = oauth1BaseString(req);
    expect(bs).toContain("q%3Da%2520b");
    expect(bs).toContain("r%3D%2521%252A%2527%2528%2529%253A%252F%2540%2526%253D%25C3%25A9");
    expect(independentlyValid({ ...base, url }).ok).toBe(true);
  });

  it("signs repeated query parameters sorted by value", () => {
    const url = "https://apis.garmin.com/x?a=2&a=1&b=0";
    expect(oauth1BaseString({ ...base, url, nonce: "n", timestamp: 1 })).toContain("a%3D1%26a%3D2%26b%3D0");
    expect(independentlyValid({ ...base, url }).ok).toBe(true);
  });

  it("signs query plus form-body parameters (distinct names)", () => {
    const url = "https://apis.garmin.com/x?uploadStartTimeInSeconds=1&uploadEndTimeInSeconds=2";
    const form = { note: "hello world", tag: "a+b" };
    const req = { ...base, method: "POST", url, form };
    const bs = oauth1BaseString({ ...req, nonce: "n", timestamp: 1 });
    expect(bs).toContain("note%3Dhello%2520world");
    expect(bs).toContain("tag%3Da%252Bb");
    expect(independentlyValid(req, new URLSearchParams(form).toString()).ok).toBe(true);
    expect(form).toEqual({ note: "hello world", tag: "a+b" }); // not mutated
  });

  it("signs oauth_callback / oauth_verifier protocol parameters carried in the header", () => {
    const req = {
      consumer,
      method: "POST",
      url: "https://connectapi.garmin.com/oauth-service/oauth/request_token",
      oauthParams: { oauth_callback: "http://localhost:3000/api/oauth/callback" },
    };
    expect(parseOAuthHeader(oauth1Header(req))!.get("oauth_callback")).toBe("http://localhost:3000/api/oauth/callback");
    expect(independentlyValid(req).ok).toBe(true);
  });

  it("refuses requests that would trip the library's bugs", () => {
    const url = "https://apis.garmin.com/x";
    expect(() => assertSignable({ url: `${url}?q=a+b` })).toThrow(/%20/);
    expect(() => assertSignable({ url: `${url}?c%40=1` })).toThrow(/needs encoding/);
    expect(() => assertSignable({ url: `${url}?a=1`, form: { a: "2" } })).toThrow(/twice/);
    expect(() => assertSignable({ url: `${url}?a=&a=1` })).toThrow(/empty/);
    expect(() => assertSignable({ url: `${url}?oauth_verifier=1`, oauthParams: { oauth_verifier: "2" } })).toThrow(/twice/);
    expect(() => assertSignable({ url, oauthParams: { callback: "x" } })).toThrow(/oauth_/);
  });

  it("is caught by the independent verifier when one character is off", () => {
    const req = { ...base, url: "https://apis.garmin.com/wellness-api/rest/user/id" };
    const header = oauth1Header(req);
    const sig = parseOAuthHeader(header)!.get("oauth_signature")!;
    const flipped = sig[0] === "A" ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    const result = verifyOAuth1({
      method: "GET",
      url: req.url,
      authorization: header.replace(encodeURIComponent(sig), encodeURIComponent(flipped)),
      consumerSecret: () => consumer.secret,
      tokenSecret: () => token.secret,
      requireToken: true,
      nonces: new NonceStore(),
    });
    expect(result).toEqual({ ok: false, reason: "invalid signature" });
  });
});
