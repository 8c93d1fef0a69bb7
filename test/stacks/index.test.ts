// The root program as `pulumi preview` runs it: Pulumi.yaml points at stacks/ through tsx,
// and stacks/index.ts loads the config and declares the site without downloading anything.
import { chmodSync, copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, test } from "vitest";
import { parse } from "yaml";
import { type Declared, installMocks, isSecretValue, reveal, settle } from "./mocks.js";

let declared: Declared[];

beforeAll(async () => {
  declared = await installMocks({ preview: true });
});

test("Pulumi.yaml runs stacks/ as ESM TypeScript through tsx", () => {
  const project = parse(readFileSync(new URL("../../Pulumi.yaml", import.meta.url), "utf8"));
  expect(project).toMatchObject({
    name: "cloudscheduler",
    runtime: { name: "nodejs", options: { typescript: false, nodeargs: "--import tsx" } },
    main: "stacks/",
  });
});

test("the entry point previews the config directory it is given", async () => {
  process.env.CLOUDSCHEDULER_CONFIG_DIR = fileURLToPath(
    new URL("../fixtures/templates/site/", import.meta.url),
  );
  // secure.yaml only where OS_CLIENT_SECURE_FILE says, which the provider itself would not read.
  process.env.OS_CLIENT_CONFIG_FILE = fileURLToPath(
    new URL("../fixtures/stacks/clouds.yaml", import.meta.url),
  );
  // git keeps no file mode: the fixture is copied private, as the loader insists (as ssh does).
  const secure = join(mkdtempSync(join(tmpdir(), "cs-index-")), "secure.yaml");
  copyFileSync(new URL("../fixtures/stacks/secure.yaml", import.meta.url), secure);
  chmodSync(secure, 0o600);
  process.env.OS_CLIENT_SECURE_FILE = secure;
  const entry = await import("../../stacks/index.js");
  // Pulumi's runtime refuses an entry point with a default export and named exports.
  expect(Object.keys(entry)).toEqual(["default"]);
  const main = entry.default;
  const outputs = await main();
  await settle();
  expect(outputs.clouds).toEqual(["alberta", "victoria"]);
  expect(
    declared.filter((r) => r.type === "openstack:images/image:Image").map((r) => r.name),
  ).toEqual(["image-victoria-cernvm-demo"]);
  expect(declared.filter((r) => r.type === "openstack:compute/instance:Instance")).toHaveLength(2);
  const victoria = declared.find((r) => r.name === "openstack-victoria");
  expect(victoria?.inputs).toMatchObject({ userName: "victoria-member", region: "RegionTwo" });
  expect(isSecretValue(victoria?.inputs.password)).toBe(true);
  expect(reveal(victoria?.inputs.password)).toBe("fixture-pw-victoria");
});
