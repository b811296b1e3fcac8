/**
 * What the practice page loads lazily to compute feedback: the feedback itself and the analyzer it
 * runs on (so the page can warm the language model up while the learner is still answering).
 */
export { answerFeedback } from './answer-feedback.ts';
export { loadAnswerAnalyzer } from './answer-analysis.ts';
