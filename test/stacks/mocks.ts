// Pulumi's mock runtime for the stack tests: records every resource the program declares
// with its inputs (secrets left wrapped, so tests can tell them apart) and answers with
// plausible outputs. Call before importing any module that declares resources.
import * as pulumi from "@pulumi/pulumi";

export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider: string;
  /** The resource's ignoreChanges option, as the engine receives it. */
  ignoreChanges: string[];
}

/** Pulumi's wire marker of a secret value. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export function isSecretValue(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** The plain value of a (possibly secret) input. */
export function reveal(value: unknown): unknown {
  return isSecretValue(value) ? (value as { value: unknown }).value : value;
}

export async function installMocks(options: { preview?: boolean } = {}): Promise<Declared[]> {
  const declared: Declared[] = [];
  let counter = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        declared.push({
          type: args.type,
          name: args.name,
          inputs,
          provider: args.provider ?? "",
          ignoreChanges: ignoreChangesOf.get(`${args.type}::${args.name}`) ?? [],
        });
        counter += 1;
        const id = `${args.name}-id`;
        const state: Record<string, unknown> = { ...inputs };
        if (args.type === "openstack:compute/instance:Instance") {
          state.networks = [{ name: "net", fixedIpV4: `10.0.0.${counter}`, fixedIpV6: "" }];
          state.accessIpV4 = `10.0.0.${counter}`;
        }
        if (args.type === "openstack:networking/floatingIp:FloatingIp") {
          state.address = `203.0.113.${counter}`;
        }
        return { id, state };
      },
      // A server's Neutron port, named after the server id, so tests can tell whose it is.
      call: (args) =>
        args.token === "openstack:networking/getPort:getPort"
          ? { id: `port-of-${String(args.inputs.deviceId)}` }
          : {},
    },
    "cloudscheduler",
    "test",
    options.preview ?? false,
  );
  // The mocks' newResource sees no resource options: read ignoreChanges off the request the
  // engine would get, before the mock monitor handles it.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    ignoreChangesOf.set(`${req.getType()}::${req.getName()}`, req.getIgnorechangesList());
    return register(req, callback);
  };
  return declared;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getIgnorechangesList(): string[];
}

const ignoreChangesOf = new Map<string, string[]>();

/** Waits until the mock monitor has seen every registration started so far. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The resolved value of an output (via its internal promise, as Pulumi's own tests do). */
export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
