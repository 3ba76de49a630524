// The group tree with its check counts, copied out of a worker and added into the main thread's tree.
import { createHash } from 'node:crypto';
import type { GroupNode, GroupTree } from '../context.ts';
import type { GroupSnapshot } from './protocol.ts';

/** Copies a group and its descendants as plain data. */
export function snapshotGroup(node: GroupNode): GroupSnapshot {
  return {
    name: node.name,
    groups: [...node.groups.values()].map(snapshotGroup),
    checks: [...node.checks.values()].map((check) => ({ name: check.name, passes: check.passes, fails: check.fails })),
  };
}

/** Adds a worker's check counts into `tree`, creating the groups and checks it lacks. */
export function mergeGroupSnapshot(tree: GroupTree, snapshot: GroupSnapshot, node: GroupNode = tree.root): void {
  for (const check of snapshot.checks) {
    let target = node.checks.get(check.name);
    if (target === undefined) {
      // k6 identifies a check by the MD5 of its path, as GroupTree does.
      const path = `${node.path}::${check.name}`;
      target = { name: check.name, path, id: createHash('md5').update(path).digest('hex'), passes: 0, fails: 0 };
      node.checks.set(check.name, target);
    }
    target.passes += check.passes;
    target.fails += check.fails;
  }
  for (const child of snapshot.groups) mergeGroupSnapshot(tree, child, tree.group(node.path, child.name));
}
