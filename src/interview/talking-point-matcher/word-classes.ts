/**
 * Word classes a `match` phrase may name with `~`: "~delete ~resource" stands for "delete|remove|drop…
 * resource|object|…". Candidates say the same thing with many verbs ("the plan wanted to remove / drop /
 * tear down the database"); listing them once here keeps the bank's phrases short and makes every entry
 * meet the same everyday paraphrases.
 *
 * Unlike synonyms (./synonyms.ts), classes are not folded in answers: a class is only used where a
 * phrase asks for it, in the role the phrase gives it, together with the other words of the phrase. So
 * a class may be wider than a true synonym, but each member must be a way of saying the class's head
 * word in this domain. Members may be several words ("by hand", "tear down"); they go through the same
 * tokenizer and stemmer as answers, so inflections need not be listed.
 */
export const wordClasses: Readonly<Record<string, readonly string[]>> = {
  // Verbs of doing
  delete: ['delete', 'remove', 'drop', 'wipe', 'destroy', 'purge', 'erase', 'prune', 'tear down', 'nuke', 'get rid'],
  create: ['create', 'add', 'make', 'write', 'generate', 'produce', 'build', 'set up', 'spin up', 'provision'],
  change: ['change', 'edit', 'modify', 'tweak', 'patch', 'alter', 'update', 'touch', 'adjust', 'hotfix', 'fiddle'],
  undo: ['undo', 'revert', 'reverse', 'rollback', 'restore', 'put back', 'reset', 'overwrite', 'wipe out', 'bring back'],
  run: ['run', 'execute', 'trigger', 'kick off', 'launch', 'start', 'invoke', 'fire'],
  apply: ['apply', 'deploy', 'roll out', 'ship', 'push', 'release', 'sync'],
  check: ['check', 'validate', 'verify', 'inspect', 'review', 'test', 'scan', 'lint', 'confirm', 'assert', 'audit'],
  read: ['read', 'look', 'inspect', 'check', 'open', 'view', 'examine', 'study', 'go through'],
  show: ['show', 'print', 'display', 'tell', 'say', 'list', 'name', 'report', 'include', 'contain', 'reveal', 'surface', 'flag', 'highlight', 'give'],
  compare: ['compare', 'diff', 'match', 'reconcile', 'detect', 'spot', 'notice', 'catch', 'see'],
  store: ['store', 'keep', 'save', 'hold', 'record', 'persist', 'write', 'track', 'live', 'sit'],
  fail: ['fail', 'error', 'break', 'refuse', 'reject', 'stop', 'abort', 'block', 'crash', 'bail', 'die', 'complain', 'halt', 'exit'],
  stop: ['stop', 'halt', 'block', 'pause', 'abort', 'freeze', 'gate', 'hold', 'prevent', 'refuse'],
  block: ['block', 'deny', 'prevent', 'stop', 'reject', 'refuse', 'forbid', 'fail', 'catch', 'veto'],
  allow: ['allow', 'let', 'permit', 'enable', 'can'],
  require: ['require', 'need', 'must', 'mandatory', 'enforce', 'force', 'demand', 'insist', 'only'],
  limit: ['limit', 'restrict', 'scope', 'narrow', 'least privilege', 'lock down', 'only', 'minimal'],
  split: ['split', 'separate', 'break up', 'divide', 'carve', 'isolate', 'cut'],
  alert: ['alert', 'notify', 'notification', 'page', 'warn', 'ping', 'post', 'message', 'tell', 'announce'],
  pin: ['pin', 'fix', 'lock', 'freeze', 'hard-code', 'exact', 'specific'],
  lose: ['lose', 'lost', 'disappear', 'vanish', 'gone', 'die', 'crash', 'stolen', 'corrupt', 'wipe'],
  share: ['share', 'reuse', 'distribute', 'publish', 'ship', 'package', 'hand'],
  move: ['move', 'rename', 'relocate', 'shift', 'migrate', 'transfer', 'refactor'],
  // Things and qualities
  manual: ['manual', 'manually', 'by hand', 'hand', 'console', 'clickops', 'click', 'ad hoc', 'kubectl edit', 'directly'],
  secret: ['secret', 'password', 'credential', 'key', 'token', 'api key', 'passphrase'],
  fast: ['fast', 'quick', 'quickly', 'speed', 'immediate', 'immediately', 'instant', 'instantly', 'seconds', 'right away', 'faster', 'sooner'],
  slow: ['slow', 'slower', 'long', 'ages', 'minutes', 'forever', 'sluggish', 'crawl'],
  old: ['old', 'older', 'previous', 'earlier', 'prior', 'last', 'former', 'outdated', 'stale', 'good'],
  new: ['new', 'newer', 'latest', 'current', 'fresh', 'recent', 'next'],
  safe: ['safe', 'safely', 'safer', 'harmless', 'protect', 'protected', 'guard'],
  team: ['team', 'teams', 'people', 'engineer', 'developer', 'colleague', 'everyone', 'user', 'squad'],
  env: ['environment', 'dev', 'staging', 'production', 'stage', 'test'],
};
