import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { labManifestSchema } from './labs/lab-manifest.ts';
import { interviewEntrySchema } from './shared/interview-entry.ts';

// Labs live at the top level (labs/<id>/index.mdx) so an instructor adds one folder. The entry id
// is the folder name, which is also the id the runner and CLI use. DOJO_LABS_DIR points the build
// at another folder (the tests build deliberately broken labs this way).
const labsBase = process.env['DOJO_LABS_DIR'] ?? './labs';
const labs = defineCollection({
  loader: glob({
    pattern: '*/index.mdx',
    base: labsBase,
    generateId: ({ entry }) => entry.split('/')[0] ?? entry,
  }),
  schema: labManifestSchema,
});

// The question bank: one YAML file per question. DOJO_INTERVIEW_DIR points the build at another
// folder, as DOJO_LABS_DIR does for labs (the tests build a deliberately broken bank this way).
const interviewBase = process.env['DOJO_INTERVIEW_DIR'] ?? './interview';
const interview = defineCollection({
  loader: glob({ pattern: '*.yaml', base: interviewBase }),
  schema: interviewEntrySchema,
});

export const collections = { labs, interview };
