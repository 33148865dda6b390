import { AtMost } from './at-most.validator';
import { CategoryFeature, IntegerFeature, NumberFeature } from './feature.decorators';
import { DEPARTEMENT, DOMAINE_ETUDE, POSTE, STATUT_MARITAL } from './feature-vocabulary';

/**
 * The 27 raw HR facts about one employee. Hard limits come from `models/attrition/contract.json`
 * (a test keeps them equal). Cross-field rules hold for every row of the training data.
 */
export class AttritionFeaturesDto {
  @IntegerFeature({ min: 18, max: 70, example: 27, description: 'Age in years (âge)' })
  age: number;

  @IntegerFeature({ min: 0, max: 1, example: 0, description: 'Gender: 0 = female, 1 = male (genre). Stored; not used by the model' })
  genre: number;

  @CategoryFeature({ values: STATUT_MARITAL, example: 'Marié(e)', description: 'Marital status (statut marital)' })
  statut_marital: string;

  @IntegerFeature({ min: 1, max: 5, example: 4, description: "Education level, 1 = below college to 5 = doctorate (niveau d'éducation)" })
  niveau_education: number;

  @CategoryFeature({ values: DOMAINE_ETUDE, example: 'Marketing', description: "Field of study (domaine d'étude)" })
  domaine_etude: string;

  @CategoryFeature({ values: DEPARTEMENT, example: 'Commercial', description: 'Department (département)' })
  departement: string;

  @CategoryFeature({ values: POSTE, example: 'Cadre Commercial', description: 'Job role (poste)' })
  poste: string;

  @IntegerFeature({ min: 1, max: 5, example: 2, description: 'Job level, 1 to 5 (niveau hiérarchique du poste)' })
  niveau_hierarchique_poste: number;

  @IntegerFeature({ min: 0, max: 2, example: 1, description: 'Business travel: 0 = none, 1 = rare, 2 = frequent (fréquence des déplacements)' })
  frequence_deplacement: number;

  @NumberFeature({ min: 1, max: 1_000_000, example: 6214, description: 'Monthly income (revenu mensuel)' })
  revenu_mensuel: number;

  @IntegerFeature({ min: 0, max: 100, example: 18, description: 'Last salary increase, percent (augmentation de salaire précédente)' })
  augementation_salaire_precedente: number;

  @IntegerFeature({ min: 0, max: 1, example: 0, description: 'Works overtime: 0 = no, 1 = yes (heures supplémentaires)' })
  heure_supplementaires: number;

  @IntegerFeature({ min: 0, max: 500, example: 8, description: 'Distance from home to work (distance domicile-travail)' })
  distance_domicile_travail: number;

  @IntegerFeature({ min: 1, max: 4, example: 3, description: "Current performance rating, 1 to 4 (note d'évaluation actuelle)" })
  note_evaluation_actuelle: number;

  @IntegerFeature({ min: 1, max: 4, example: 3, description: "Job involvement rating, 1 to 4 (note d'évaluation précédente)" })
  note_evaluation_precedente: number;

  @IntegerFeature({ min: 1, max: 4, example: 2, description: 'Job satisfaction, 1 to 4 (satisfaction quant à la nature du travail)' })
  satisfaction_employee_nature_travail: number;

  @IntegerFeature({ min: 1, max: 4, example: 2, description: "Environment satisfaction, 1 to 4 (satisfaction quant à l'environnement)" })
  satisfaction_employee_environnement: number;

  @IntegerFeature({ min: 1, max: 4, example: 3, description: 'Work-life balance, 1 to 4 (équilibre pro / perso)' })
  satisfaction_employee_equilibre_pro_perso: number;

  @IntegerFeature({ min: 1, max: 4, example: 1, description: "Relationship satisfaction, 1 to 4 (satisfaction quant à l'équipe)" })
  satisfaction_employee_equipe: number;

  @IntegerFeature({ min: 0, max: 50, example: 1, description: "Number of previous employers (nombre d'expériences précédentes)" })
  nombre_experiences_precedentes: number;

  @AtMost('age', 14)
  @IntegerFeature({ min: 0, max: 56, example: 8, description: "Total years of experience, at most age - 14 (années d'expérience totale)" })
  annee_experience_totale: number;

  @AtMost('annee_experience_totale')
  @IntegerFeature({ min: 0, max: 56, example: 8, description: "Years at the company, at most total experience (années dans l'entreprise)" })
  annees_dans_l_entreprise: number;

  @AtMost('annees_dans_l_entreprise')
  @IntegerFeature({ min: 0, max: 56, example: 7, description: 'Years in the current role, at most years at the company (années dans le poste actuel)' })
  annees_dans_le_poste_actuel: number;

  @AtMost('annees_dans_l_entreprise')
  @IntegerFeature({ min: 0, max: 56, example: 0, description: 'Years since the last promotion, at most years at the company (années depuis la dernière promotion)' })
  annees_depuis_la_derniere_promotion: number;

  @AtMost('annees_dans_l_entreprise')
  @IntegerFeature({ min: 0, max: 56, example: 7, description: 'Years with the current manager, at most years at the company (années sous le responsable actuel)' })
  annes_sous_responsable_actuel: number;

  @IntegerFeature({ min: 0, max: 50, example: 3, description: 'Trainings attended last year (nombre de formations suivies)' })
  nb_formations_suivies: number;

  @IntegerFeature({ min: 0, max: 3, example: 1, description: "Stock option level, 0 to 3 (participation au plan d'épargne entreprise)" })
  nombre_participation_pee: number;
}

/** The 27 raw feature names, in declaration order. */
export const FEATURE_NAMES: readonly (keyof AttritionFeaturesDto)[] = [
  'age', 'genre', 'statut_marital', 'niveau_education', 'domaine_etude', 'departement', 'poste',
  'niveau_hierarchique_poste', 'frequence_deplacement', 'revenu_mensuel', 'augementation_salaire_precedente',
  'heure_supplementaires', 'distance_domicile_travail', 'note_evaluation_actuelle', 'note_evaluation_precedente',
  'satisfaction_employee_nature_travail', 'satisfaction_employee_environnement',
  'satisfaction_employee_equilibre_pro_perso', 'satisfaction_employee_equipe', 'nombre_experiences_precedentes',
  'annee_experience_totale', 'annees_dans_l_entreprise', 'annees_dans_le_poste_actuel',
  'annees_depuis_la_derniere_promotion', 'annes_sous_responsable_actuel', 'nb_formations_suivies',
  'nombre_participation_pee',
];
