// The Keystone v3 service catalog: which URL serves a service type in a region.
import { z } from "zod";
import { EndpointNotFoundError } from "./errors.js";

export const catalogSchema = z.array(
  z
    .object({
      type: z.string(),
      name: z.string().optional(),
      endpoints: z.array(
        z
          .object({
            interface: z.string(),
            region_id: z.string().nullish(),
            region: z.string().nullish(),
            url: z.string(),
          })
          .loose(),
      ),
    })
    .loose(),
);

export type Catalog = z.output<typeof catalogSchema>;

export interface EndpointQuery {
  type: string;
  /** Required when the service has endpoints in more than one region. */
  region?: string;
  interface: string;
}

/** The URL of the endpoint matching type, region and interface; the error lists what exists. */
export function findEndpoint(catalog: Catalog, query: EndpointQuery): string {
  const endpoints = catalog
    .filter((service) => service.type === query.type)
    .flatMap((service) => service.endpoints)
    .map((e) => ({ ...e, region: e.region_id ?? e.region ?? undefined }));
  const regions = [...new Set(endpoints.map((e) => e.region ?? "(no region)"))];
  if (endpoints.length === 0) {
    const types = [...new Set(catalog.map((s) => s.type))].sort();
    throw new EndpointNotFoundError(
      `the service catalog has no '${query.type}' service; it has: ${types.join(", ") || "(nothing)"}`,
    );
  }
  if (query.region === undefined && regions.length > 1) {
    throw new EndpointNotFoundError(
      `'${query.type}' endpoints exist in several regions (${regions.join(", ")}); set region_name for this cloud`,
    );
  }
  const inRegion = endpoints.filter((e) => query.region === undefined || e.region === query.region);
  const match = inRegion.find((e) => e.interface === query.interface);
  if (match) return match.url;
  const available = regions
    .map((region) => {
      const ifaces = endpoints
        .filter((e) => (e.region ?? "(no region)") === region)
        .map((e) => e.interface);
      return `${region} (${ifaces.join(", ")})`;
    })
    .join("; ");
  throw new EndpointNotFoundError(
    `no '${query.type}' endpoint with interface '${query.interface}'${query.region ? ` in region '${query.region}'` : ""}; '${query.type}' endpoints exist in: ${available}`,
  );
}
