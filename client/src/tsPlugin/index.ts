// A TypeScript server plugin (contributes.typescriptServerPlugins) that puts
// the kernel API's typings, dist/types/faultline.d.ts, into every project
// tsserver builds: inferred projects (a loose file, no tsconfig.json) and
// configured ones (the user's own tsconfig.json) alike. So a new driver in
// any folder resolves `linux/slab` and completes `kmalloc` with its docs,
// with no tsconfig, paths or package to set up.
//
// It ships as node_modules/faultline-ts-plugin/index.js inside the extension
// (tsserver loads plugins by package name from there); the typings sit two
// folders up, at the extension's root.

import * as path from "node:path";
import type * as ts from "typescript/lib/tsserverlibrary";

/** Where the typings are, from the plugin's installed location. */
function typingsPath(pluginDir: string, exists: (p: string) => boolean): string | undefined {
  const candidates = [
    path.resolve(pluginDir, "..", "..", "dist", "types", "faultline.d.ts"), // <ext>/node_modules/faultline-ts-plugin/
    path.resolve(pluginDir, "..", "types", "faultline.d.ts"),               // <repo>/dist/client/ (a development build)
  ];
  return candidates.find(exists);
}

function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const tsm = modules.typescript;
  const file = typingsPath(__dirname, (p) => tsm.sys.fileExists(p));
  return {
    create(info) {
      const project = info.project;
      project.projectService.logger.info(`faultline-ts-plugin: ${file ? `adding ${file}` : "typings not found"} to ${project.getProjectName()}`);
      // tsserver makes a configured project's external files roots of its program, but not an inferred
      // project's (a loose file with no tsconfig.json): there the typings join the root names the
      // language service builds its program from.
      if (file && project.projectKind === tsm.server.ProjectKind.Inferred) {
        const names = project.getScriptFileNames.bind(project);
        project.getScriptFileNames = () => {
          const roots = names();
          return roots.includes(file) ? roots : [...roots, file];
        };
        (project as unknown as { markAsDirty?(): void }).markAsDirty?.();
      }
      return info.languageService;
    },
    getExternalFiles(project) {
      // Every kind of project, even one whose tsconfig "include" or "types" would leave the file out: external files are roots.
      void project;
      return file ? [file] : [];
    },
  };
}

// tsserver calls the module itself; the helper rides along for the tests.
const plugin = Object.assign(init, { typingsPath });
export = plugin;
