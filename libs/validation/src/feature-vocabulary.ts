/**
 * Names and category labels of the feature contract, as clients send them (French, misspellings
 * included). `models/attrition/contract.json` is the source of truth; a test proves these agree.
 */
export const STATUT_MARITAL = ['Célibataire', 'Divorcé(e)', 'Marié(e)'] as const;
export const DEPARTEMENT = ['Commercial', 'Consulting', 'Ressources Humaines'] as const;
export const POSTE = [
  'Assistant de Direction',
  'Cadre Commercial',
  'Consultant',
  'Directeur Technique',
  'Manager',
  'Représentant Commercial',
  'Ressources Humaines',
  'Senior Manager',
  'Tech Lead',
] as const;
export const DOMAINE_ETUDE = [
  'Autre',
  'Entrepreunariat',
  'Infra & Cloud',
  'Marketing',
  'Ressources Humaines',
  'Transformation Digitale',
] as const;

/** Derived features the original's clients computed themselves; accepted, ignored, named in warnings. */
export const LEGACY_DERIVED_FEATURES: readonly string[] = [
  'age_debut_carriere',
  'annee_derniere_promotion',
  'salaire_par_annee_exp',
  'distance_x_deplacement',
  'impact_trajet_sur_satisfaction',
  'evolution_note',
  'satisfaction_moyenne',
  'score_satisfaction_global',
  'delta_satisfaction_equipe',
  'stagnation_poste',
  'stagnation_profonde',
  'taux_volatilite',
  'ratio_fidelite_entreprise',
  'ratio_poste_vs_anciennete',
  'anciennete_x_satisfaction',
  'formations_par_annee',
];
