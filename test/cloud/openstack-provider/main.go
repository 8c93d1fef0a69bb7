// Command pulumi-resource-openstack is a stand-in for the Pulumi OpenStack provider plugin that
// @pulumi/openstack 3.15.2 asks the engine for. The real plugin's Go module
// (github.com/pulumi/pulumi-openstack/provider/v3) is not served by the module proxy here, so this
// bridges the Terraform OpenStack provider (served) with pulumi-terraform-bridge (served), the same
// way the real plugin is built, and maps each Terraform resource to the token that the installed
// SDK uses (tokens.txt). It reports the SDK's version so the engine accepts it as that plugin.
//
// Only the runtime is bridged: no Pulumi schema is served (GetSchema returns an empty one), so
// codegen and `pulumi convert` do not work with it; `pulumi up/preview/refresh/destroy` do.
package main

import (
	_ "embed"
	"os"
	"strings"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-provider-openstack/terraform-provider-openstack/v3/openstack"
)

//go:embed tokens.txt
var sdkTokens string

// version is set at build time (-ldflags -X main.version=...) to the @pulumi/openstack version.
var version = "3.15.2"

// Terraform's module prefixes where the Pulumi SDK names the module differently.
var moduleAliases = map[string]string{"lb": "loadbalancer", "fw": "firewall", "db": "database"}

// tokenIndex maps "module/lowercasename" to the SDK's token, for resources and for functions
// (whose names carry a "get" prefix in the SDK).
func tokenIndex(kind string) map[string]string {
	index := map[string]string{}
	for _, line := range strings.Split(sdkTokens, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ":") // openstack:compute/instance:Instance
		if len(parts) != 3 {
			continue
		}
		module := strings.Split(parts[1], "/")[0]
		name := strings.ToLower(parts[2])
		isFunction := strings.HasPrefix(parts[2], "get")
		if kind == "function" && isFunction {
			index[module+"/"+strings.TrimPrefix(name, "get")] = line
		} else if kind == "resource" && !isFunction {
			index[module+"/"+name] = line
		}
	}
	return index
}

// candidates gives the lookup keys for a Terraform type name such as openstack_compute_instance_v2:
// with and without its version suffix, and with the module's SDK alias.
func candidates(tfName string) []string {
	rest := strings.TrimPrefix(tfName, "openstack_")
	module, name, ok := strings.Cut(rest, "_")
	if !ok {
		return nil
	}
	modules := []string{module}
	if alias, ok := moduleAliases[module]; ok {
		modules = append(modules, alias)
	}
	flat := strings.ReplaceAll(name, "_", "")
	names := []string{flat}
	if i := strings.LastIndex(name, "_v"); i > 0 {
		names = append(names, strings.ReplaceAll(name[:i], "_", ""))
	}
	var keys []string
	for _, m := range modules {
		for _, n := range names {
			keys = append(keys, m+"/"+n)
		}
	}
	return keys
}

func lookup(index map[string]string, tfName string) (string, bool) {
	for _, key := range candidates(tfName) {
		if tok, ok := index[key]; ok {
			return tok, true
		}
	}
	return "", false
}

func providerInfo() tfbridge.ProviderInfo {
	p := shimv2.NewProvider(openstack.Provider())
	info := tfbridge.ProviderInfo{
		P:           p,
		Name:        "openstack",
		Version:     version,
		Resources:   map[string]*tfbridge.ResourceInfo{},
		DataSources: map[string]*tfbridge.DataSourceInfo{},
	}
	resources, functions := tokenIndex("resource"), tokenIndex("function")
	p.ResourcesMap().Range(func(tfName string, _ shim.Resource) bool {
		if tok, ok := lookup(resources, tfName); ok {
			info.Resources[tfName] = &tfbridge.ResourceInfo{Tok: tokens.Type(tok)}
		}
		return true
	})
	p.DataSourcesMap().Range(func(tfName string, _ shim.Resource) bool {
		if tok, ok := lookup(functions, tfName); ok {
			info.DataSources[tfName] = &tfbridge.DataSourceInfo{Tok: tokens.ModuleMember(tok)}
		}
		return true
	})
	// As the real plugin does: a resource's `name` defaults to its Pulumi name plus a random suffix.
	info.SetAutonaming(255, "-")
	return info
}

func main() {
	info := providerInfo()
	if len(os.Args) > 1 && os.Args[1] == "--list-mappings" {
		for tf, r := range info.Resources {
			println("resource", tf, string(r.Tok))
		}
		for tf, d := range info.DataSources {
			println("function", tf, string(d.Tok))
		}
		return
	}
	tfbridge.Main("openstack", version, info, []byte(`{"name":"openstack"}`))
}
