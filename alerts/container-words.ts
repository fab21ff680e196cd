import type { Alert } from './types.js';
import type { Lang } from './words.js';

/**
 * Container alerts in words (issue 15): "Container web stopped (exit code 1)
 * on box", "Container web unhealthy", "Container web restarting in a loop
 * (5 restarts in 10 min)", with the commands that tell why.
 */
export function containerText(
  family: string, alert: Alert, name: string, hostName: string, lang: Lang, lasted: string, ended: boolean,
): { title: string; detail: string; advice: string } {
  const fr = lang === 'fr';
  const c = alert.container;
  const image = c ? ` (${c.image})` : '';
  const logs = `\`docker logs --tail 50 ${name}\``;
  const inspect = `\`docker inspect ${name}\``;
  if (family === 'container') {
    const code = c?.exitCode !== undefined ? (fr ? `, code de sortie ${c.exitCode}` : `, exit code ${c.exitCode}`) : '';
    const state = c?.state ?? 'exited';
    return {
      title: fr ? `Conteneur ${name} arrêté${code} — ${hostName}` : `Container ${name} stopped${code} — ${hostName}`,
      detail: ended
        ? (fr ? `Le conteneur ${name}${image} a été arrêté pendant ${lasted} ; il est maintenant « ${state} ».` : `Container ${name}${image} was stopped for ${lasted}; it is now "${state}".`)
        : (fr ? `Le conteneur ${name}${image}, vu en marche, est « ${state} » depuis ${lasted}.` : `Container ${name}${image}, seen running, has been "${state}" for ${lasted}.`),
      advice: fr
        ? `Lisez ses derniers messages (${logs}) et la raison de son arrêt (${inspect} : State.ExitCode, State.OOMKilled, State.Error), corrigez, puis \`docker start ${name}\`. S’il est arrêté exprès, ajoutez-le à \`containers.ignore\` dans les règles d’alerte.`
        : `Read its last output (${logs}) and why it stopped (${inspect}: State.ExitCode, State.OOMKilled, State.Error), fix it, then \`docker start ${name}\`. If it is stopped on purpose, add it to \`containers.ignore\` in the alert rules.`,
    };
  }
  if (family === 'container_health') {
    return {
      title: fr ? `Conteneur ${name} en mauvaise santé — ${hostName}` : `Container ${name} unhealthy — ${hostName}`,
      detail: ended
        ? (fr ? `Son healthcheck a échoué pendant ${lasted}.` : `Its healthcheck failed for ${lasted}.`)
        : (fr ? `Le healthcheck du conteneur ${name}${image} échoue depuis ${lasted}.` : `The healthcheck of container ${name}${image} has been failing for ${lasted}.`),
      advice: fr
        ? `Lisez la sortie des derniers healthchecks (\`docker inspect --format '{{json .State.Health}}' ${name}\`) et ses messages (${logs}) ; redémarrez-le (\`docker restart ${name}\`) une fois la cause trouvée.`
        : `Read the output of its last healthchecks (\`docker inspect --format '{{json .State.Health}}' ${name}\`) and its messages (${logs}); restart it (\`docker restart ${name}\`) once the cause is found.`,
    };
  }
  const n = c?.recentRestarts ?? 0;
  const minutes = c?.windowMinutes ?? 0;
  return {
    title: fr ? `Conteneur ${name} redémarre en boucle — ${hostName}` : `Container ${name} restarting in a loop — ${hostName}`,
    detail: ended
      ? (fr ? `Il a redémarré en boucle pendant ${lasted} (${c?.restarts ?? '?'} redémarrages au total).` : `It restarted in a loop for ${lasted} (${c?.restarts ?? '?'} restarts in all).`)
      : (fr ? `${n} redémarrages en ${minutes} min (${c?.restarts ?? '?'} au total)${c?.exitCode !== undefined ? `, dernier code de sortie ${c.exitCode}` : ''}.` : `${n} restarts in ${minutes} min (${c?.restarts ?? '?'} in all)${c?.exitCode !== undefined ? `, last exit code ${c.exitCode}` : ''}.`),
    advice: fr
      ? `Il s’arrête aussitôt lancé : lisez pourquoi (${logs}, ${inspect} : State.ExitCode, State.OOMKilled) — configuration, variable d’environnement, dépendance absente ou mémoire (\`--memory\`) sont les causes habituelles.`
      : `It stops as soon as it starts: read why (${logs}, ${inspect}: State.ExitCode, State.OOMKilled) — configuration, an environment variable, a missing dependency or memory (\`--memory\`) are the usual causes.`,
  };
}
