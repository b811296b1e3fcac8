import path from 'node:path';
import { defineCollection } from 'astro:content';
import { z } from 'zod';
import { glob, type Loader } from 'astro/loaders';
import { labManifestSchema } from './labs/lab-manifest.ts';
import { loadLab, loadLabs } from './labs/load-labs.ts';
import { interviewEntrySchema } from './shared/interview-entry.ts';
import { describeSandbox, listSandboxes, sandboxProvidesSchema } from './sandbox/sandbox-provides.ts';

// Labs live at the top level (labs/<id>/index.mdx) so an instructor adds one folder. The entry id
// is the folder name, which is also the id the runner and CLI use. DOJO_LABS_DIR points the build
// at another folder (the tests build deliberately broken labs this way).
const labsBase = process.env['DOJO_LABS_DIR'] ?? './labs';

/**
 * The glob loader, preceded by the same validation the runner and CLI use (src/labs/load-labs.ts):
 * schema plus cross-references (scripts, sandbox, MDX sections), every problem with its file,
 * YAML line, step, field, what was found and the fix. One broken lab fails the build, and the
 * message lists every problem of every lab. In dev, an edited lab is validated again and its
 * problems are logged (the page keeps serving).
 */
function validatedLabs(base: string): Loader {
  const inner = glob({
    pattern: '*/index.mdx',
    base,
    generateId: ({ entry }) => entry.split('/')[0] ?? entry,
  });
  const labsDir = path.resolve(base);
  return {
    name: 'dojo-labs',
    load: async (context) => {
      const { errors } = await loadLabs(labsDir);
      if (errors.length) {
        const error = new Error(
          `${errors.length} lab(s) do not validate:\n\n${errors.map((e) => e.message).join('\n\n')}`,
        );
        error.name = 'LabValidationError';
        // Astro prints the stack under the message; ours says nothing an author needs.
        error.stack = `${error.name}: ${error.message}`;
        throw error;
      }
      context.watcher?.on('change', (file) => {
        const rel = path.relative(labsDir, file);
        const id = rel.split(path.sep)[0];
        if (!id || rel.startsWith('..')) return;
        loadLab(labsDir, id).catch((err: Error) => context.logger.error(err.message));
      });
      await inner.load(context);
    },
  };
}

const labs = defineCollection({
  loader: validatedLabs(labsBase),
  schema: labManifestSchema,
});

/**
 * What each sandbox provides (its static `provides` export), for the authoring guide. Read here, in
 * the content layer, because importing sandbox modules from a page would bundle their drivers.
 */
function sandboxDescriptions(dir: string): Loader {
  return {
    name: 'dojo-sandboxes',
    load: async ({ store }) => {
      store.clear();
      for (const id of await listSandboxes(dir)) {
        const d = await describeSandbox(dir, id);
        if (d) store.set({ id, data: { title: d.title, provides: d.provides } });
      }
    },
  };
}

const sandboxes = defineCollection({
  loader: sandboxDescriptions(path.resolve(process.env['DOJO_SANDBOXES_DIR'] ?? './sandboxes')),
  schema: z.object({ title: z.string(), provides: sandboxProvidesSchema.nullable() }),
});

// The question bank: one YAML file per question. DOJO_INTERVIEW_DIR points the build at another
// folder, as DOJO_LABS_DIR does for labs (the tests build a deliberately broken bank this way).
const interviewBase = process.env['DOJO_INTERVIEW_DIR'] ?? './interview';
const interview = defineCollection({
  loader: glob({ pattern: '*.yaml', base: interviewBase }),
  schema: interviewEntrySchema,
});

export const collections = { labs, interview, sandboxes };
