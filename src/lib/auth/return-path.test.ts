import { describe, expect, it } from "vitest";
import { safeReturnPath } from "./return-path";

const APP = "https://health.example.com";
const check = (v: unknown) => safeReturnPath(v, "/dashboard", APP);

describe("safeReturnPath (open redirect after sign-in)", () => {
  it.each([
    ["/%09/evil.example/phish", "/\t/evil.example/phish"],
    ["/%0a/evil.example/phish", "/\n/evil.example/phish"],
    ["/%0d/evil.example/phish", "/\r/evil.example/phish"],
    ["tab between slashes", "/\t\t/evil.example"],
    ["protocol-relative", "//evil.example/phish"],
    ["backslash", "/\\evil.example"],
    ["absolute other origin", "https://evil.example/"],
    ["javascript:", "javascript:alert(1)"],
    ["same host other scheme", "http://health.example.com/dashboard"],
    ["not a string", 42],
  ])("refuses %s", (_label, value) => {
    expect(check(value)).toBe("/dashboard");
  });

  it("keeps same-origin paths, normalized", () => {
    expect(check("/dashboard/settings?tab=keys#x")).toBe("/dashboard/settings?tab=keys#x");
    expect(check("/a/../dashboard")).toBe("/dashboard");
  });

  it("the page decodes the query once: the decoded %09 form is what reaches the check", () => {
    const param = new URL("https://health.example.com/signin?callbackUrl=/%09/evil.example/phish").searchParams.get("callbackUrl");
    expect(check(param)).toBe("/dashboard");
    // The old check let this through: it only looked for a leading `//` and for `\`.
    expect(param!.startsWith("//") || param!.includes("\\")).toBe(false);
  });
});
