import { AttritionFeaturesDto } from './attrition-features.dto';

// Two real employees of the training data (rows of models/attrition/parity.json). The e2e tests
// check that the served model predicts 0 and 1 for them, so the Swagger examples cannot go stale.

export const EXAMPLE_EMPLOYEE_LIKELY_TO_STAY: AttritionFeaturesDto = {
  age: 27, genre: 0, statut_marital: 'Marié(e)', niveau_education: 4, domaine_etude: 'Marketing',
  departement: 'Commercial', poste: 'Cadre Commercial', niveau_hierarchique_poste: 2, frequence_deplacement: 1,
  revenu_mensuel: 6214, augementation_salaire_precedente: 18, heure_supplementaires: 0, distance_domicile_travail: 8,
  note_evaluation_actuelle: 3, note_evaluation_precedente: 3, satisfaction_employee_nature_travail: 2,
  satisfaction_employee_environnement: 2, satisfaction_employee_equilibre_pro_perso: 3,
  satisfaction_employee_equipe: 1, nombre_experiences_precedentes: 1, annee_experience_totale: 8,
  annees_dans_l_entreprise: 8, annees_dans_le_poste_actuel: 7, annees_depuis_la_derniere_promotion: 0,
  annes_sous_responsable_actuel: 7, nb_formations_suivies: 3, nombre_participation_pee: 1,
};

export const EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE: AttritionFeaturesDto = {
  age: 44, genre: 1, statut_marital: 'Divorcé(e)', niveau_education: 3, domaine_etude: 'Transformation Digitale',
  departement: 'Consulting', poste: 'Assistant de Direction', niveau_hierarchique_poste: 1, frequence_deplacement: 2,
  revenu_mensuel: 3161, augementation_salaire_precedente: 22, heure_supplementaires: 1, distance_domicile_travail: 24,
  note_evaluation_actuelle: 4, note_evaluation_precedente: 3, satisfaction_employee_nature_travail: 3,
  satisfaction_employee_environnement: 4, satisfaction_employee_equilibre_pro_perso: 1,
  satisfaction_employee_equipe: 4, nombre_experiences_precedentes: 3, annee_experience_totale: 19,
  annees_dans_l_entreprise: 1, annees_dans_le_poste_actuel: 0, annees_depuis_la_derniere_promotion: 0,
  annes_sous_responsable_actuel: 0, nb_formations_suivies: 0, nombre_participation_pee: 1,
};
