import { describe, expect, it } from "vitest";
import { catalogSchema, findEndpoint } from "../../scheduler/openstack/catalog.js";
import { EndpointNotFoundError } from "../../scheduler/openstack/errors.js";
import { fixture } from "./fake-cloud.js";

const catalog = catalogSchema.parse(
  JSON.parse(fixture("keystone-token-appcred.json")).token.catalog,
);

describe("findEndpoint (recorded catalog)", () => {
  it("picks the image endpoint of the region", () => {
    expect(findEndpoint(catalog, { type: "image", region: "RegionOne", interface: "public" })).toBe(
      "http://127.0.0.1:25292",
    );
    expect(findEndpoint(catalog, { type: "image", region: "RegionTwo", interface: "admin" })).toBe(
      "http://127.0.0.1:25293",
    );
  });

  it("lists the regions that exist when the region is wrong", () => {
    expect(() =>
      findEndpoint(catalog, { type: "image", region: "RegionThree", interface: "public" }),
    ).toThrow(/RegionThree.*RegionOne \(public, internal, admin\); RegionTwo/);
  });

  it("needs a region when there are several, and names missing services", () => {
    expect(() => findEndpoint(catalog, { type: "image", interface: "public" })).toThrow(
      EndpointNotFoundError,
    );
    expect(() =>
      findEndpoint(catalog, { type: "compute", region: "RegionOne", interface: "public" }),
    ).toThrow(/no 'compute' service; it has: identity, image/);
  });
});
