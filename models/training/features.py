"""The feature contract: the 27 raw facts a client sends, how each comes from the data set,
and the derived features the model computes from them.

Every derived feature is defined once, as a small expression tree that can both be evaluated
on a pandas DataFrame (for scikit-learn) and emitted as ONNX nodes (for serving), so training
and serving cannot compute it differently.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LEVELS_1_TO_4 = ["Low", "Medium", "High", "Very_High"]


@dataclass(frozen=True)
class RawFeature:
    name: str
    source: str  # column of the modeldata `attrition` data set
    type: str  # integer | number | category
    meaning_fr: str
    meaning_en: str
    min: float | None = None  # hard limits: what is valid at all
    max: float | None = None
    # Ordered source levels mapped to 1, 2, 3, ...; or a value -> code dictionary.
    codes: dict = field(default_factory=dict)
    used_by_model: bool = True


def _ordinal(levels: list[str]) -> dict:
    return {level: i + 1 for i, level in enumerate(levels)}


# Categories: the labels the original clients send, one-to-one from the data set's values.
# Entries marked "judgement" in the model card are not literal translations.
CATEGORY_MAPS = {
    "statut_marital": {"Single": "Célibataire", "Divorced": "Divorcé(e)", "Married": "Marié(e)"},
    "departement": {
        "Sales": "Commercial",
        "Research_Development": "Consulting",
        "Human_Resources": "Ressources Humaines",
    },
    "poste": {
        "Sales_Executive": "Cadre Commercial",
        "Sales_Representative": "Représentant Commercial",
        "Manager": "Manager",
        "Human_Resources": "Ressources Humaines",
        "Research_Director": "Directeur Technique",
        "Research_Scientist": "Consultant",
        "Laboratory_Technician": "Assistant de Direction",
        "Manufacturing_Director": "Senior Manager",
        "Healthcare_Representative": "Tech Lead",
    },
    "domaine_etude": {
        "Other": "Autre",
        "Marketing": "Marketing",
        "Human_Resources": "Ressources Humaines",
        "Technical_Degree": "Infra & Cloud",
        "Life_Sciences": "Transformation Digitale",
        "Medical": "Entrepreunariat",
    },
}

RAW_FEATURES: list[RawFeature] = [
    RawFeature("age", "Age", "integer", "Âge", "Age in years", 18, 70),
    RawFeature("genre", "Gender", "integer", "Genre (0 = femme, 1 = homme)", "Gender (0 = female, 1 = male)",
               0, 1, {"Female": 0, "Male": 1}, used_by_model=False),
    RawFeature("statut_marital", "MaritalStatus", "category", "Statut marital", "Marital status"),
    RawFeature("niveau_education", "Education", "integer", "Niveau d'éducation (1 = avant le bac, 5 = doctorat)",
               "Education level (1 = below college, 5 = doctorate)", 1, 5,
               _ordinal(["Below_College", "College", "Bachelor", "Master", "Doctor"])),
    RawFeature("domaine_etude", "EducationField", "category", "Domaine d'étude", "Field of study"),
    RawFeature("departement", "Department", "category", "Département", "Department"),
    RawFeature("poste", "JobRole", "category", "Poste", "Job role"),
    RawFeature("niveau_hierarchique_poste", "JobLevel", "integer", "Niveau hiérarchique du poste (1 à 5)",
               "Job level (1 to 5)", 1, 5),
    RawFeature("frequence_deplacement", "BusinessTravel", "integer",
               "Fréquence des déplacements (0 = aucun, 1 = rares, 2 = fréquents)",
               "Business travel (0 = none, 1 = rare, 2 = frequent)", 0, 2,
               {"Non-Travel": 0, "Travel_Rarely": 1, "Travel_Frequently": 2}),
    RawFeature("revenu_mensuel", "MonthlyIncome", "number", "Revenu mensuel", "Monthly income", 1, 1_000_000),
    RawFeature("augementation_salaire_precedente", "PercentSalaryHike", "integer",
               "Augmentation de salaire précédente (%)", "Last salary increase (percent)", 0, 100),
    RawFeature("heure_supplementaires", "OverTime", "integer", "Heures supplémentaires (0 = non, 1 = oui)",
               "Works overtime (0 = no, 1 = yes)", 0, 1, {"No": 0, "Yes": 1}),
    RawFeature("distance_domicile_travail", "DistanceFromHome", "integer", "Distance domicile-travail",
               "Distance from home to work", 0, 500),
    RawFeature("note_evaluation_actuelle", "PerformanceRating", "integer",
               "Note d'évaluation actuelle (1 à 4)", "Current performance rating (1 to 4)", 1, 4,
               _ordinal(["Low", "Good", "Excellent", "Outstanding"])),
    RawFeature("note_evaluation_precedente", "JobInvolvement", "integer",
               "Note d'évaluation précédente / implication (1 à 4)", "Job involvement rating (1 to 4)", 1, 4,
               _ordinal(LEVELS_1_TO_4)),
    RawFeature("satisfaction_employee_nature_travail", "JobSatisfaction", "integer",
               "Satisfaction quant à la nature du travail (1 à 4)", "Job satisfaction (1 to 4)", 1, 4,
               _ordinal(LEVELS_1_TO_4)),
    RawFeature("satisfaction_employee_environnement", "EnvironmentSatisfaction", "integer",
               "Satisfaction quant à l'environnement (1 à 4)", "Environment satisfaction (1 to 4)", 1, 4,
               _ordinal(LEVELS_1_TO_4)),
    RawFeature("satisfaction_employee_equilibre_pro_perso", "WorkLifeBalance", "integer",
               "Équilibre vie professionnelle / personnelle (1 à 4)", "Work-life balance (1 to 4)", 1, 4,
               _ordinal(["Bad", "Good", "Better", "Best"])),
    RawFeature("satisfaction_employee_equipe", "RelationshipSatisfaction", "integer",
               "Satisfaction quant à l'équipe (1 à 4)", "Relationship satisfaction (1 to 4)", 1, 4,
               _ordinal(LEVELS_1_TO_4)),
    RawFeature("nombre_experiences_precedentes", "NumCompaniesWorked", "integer",
               "Nombre d'entreprises précédentes", "Number of companies worked at before", 0, 50),
    RawFeature("annee_experience_totale", "TotalWorkingYears", "integer", "Années d'expérience totale",
               "Total years of work experience", 0, 56),
    RawFeature("annees_dans_l_entreprise", "YearsAtCompany", "integer", "Années dans l'entreprise",
               "Years at the company", 0, 56),
    RawFeature("annees_dans_le_poste_actuel", "YearsInCurrentRole", "integer", "Années dans le poste actuel",
               "Years in the current role", 0, 56),
    RawFeature("annees_depuis_la_derniere_promotion", "YearsSinceLastPromotion", "integer",
               "Années depuis la dernière promotion", "Years since the last promotion", 0, 56),
    RawFeature("annes_sous_responsable_actuel", "YearsWithCurrManager", "integer",
               "Années sous le responsable actuel", "Years with the current manager", 0, 56),
    RawFeature("nb_formations_suivies", "TrainingTimesLastYear", "integer",
               "Nombre de formations suivies l'an dernier", "Trainings attended last year", 0, 50),
    RawFeature("nombre_participation_pee", "StockOptionLevel", "integer",
               "Niveau de participation au plan d'épargne entreprise (0 à 3)", "Stock option level (0 to 3)", 0, 3),
]

# Names the original's clients computed themselves and may still send; the service ignores them.
LEGACY_DERIVED_NAMES = [
    "age_debut_carriere", "annee_derniere_promotion", "salaire_par_annee_exp", "distance_x_deplacement",
    "impact_trajet_sur_satisfaction", "evolution_note", "satisfaction_moyenne", "score_satisfaction_global",
    "delta_satisfaction_equipe", "stagnation_poste", "stagnation_profonde", "taux_volatilite",
    "ratio_fidelite_entreprise", "ratio_poste_vs_anciennete", "anciennete_x_satisfaction", "formations_par_annee",
]


def load_raw(csv_path: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Maps the modeldata CSV onto the API's raw features; returns (features, y)."""
    src = pd.read_csv(csv_path)
    out = {}
    for f in RAW_FEATURES:
        column = src[f.source]
        if f.type == "category":
            mapped = column.map(CATEGORY_MAPS[f.name])
        elif f.codes:
            mapped = column.map(f.codes)
        else:
            mapped = column
        if mapped.isna().any():
            raise ValueError(f"{f.source}: unmapped values {sorted(column[mapped.isna()].unique())}")
        out[f.name] = mapped if f.type == "category" else mapped.astype(np.int64)
    y = (src["Attrition"] == "Yes").astype(np.int64).to_numpy()
    return pd.DataFrame(out), y


# ---- derived features: a tiny expression language with two back ends -------------------------

class Expr:
    def __add__(self, o): return Op("Add", self, lift(o))
    def __sub__(self, o): return Op("Sub", self, lift(o))
    def __mul__(self, o): return Op("Mul", self, lift(o))
    def __truediv__(self, o): return Op("Div", self, lift(o))


def lift(v) -> Expr:
    return v if isinstance(v, Expr) else Const(float(v))


@dataclass(frozen=True, eq=False)
class Col(Expr):
    name: str

    def eval(self, df):
        return df[self.name].to_numpy(dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Const(Expr):
    value: float

    def eval(self, df):
        return np.float64(self.value)


@dataclass(frozen=True, eq=False)
class Op(Expr):
    op: str  # Add | Sub | Mul | Div | Log | Equal | LessOrEqual
    a: Expr
    b: Expr | None = None

    def eval(self, df):
        x = self.a.eval(df)
        y = None if self.b is None else self.b.eval(df)
        return {
            "Add": lambda: x + y, "Sub": lambda: x - y, "Mul": lambda: x * y, "Div": lambda: x / y,
            "Log": lambda: np.log(x),
            "Equal": lambda: (x == y).astype(np.float64),
            "LessOrEqual": lambda: (x <= y).astype(np.float64),
        }[self.op]()


@dataclass(frozen=True, eq=False)
class IsCategory(Expr):
    """1.0 when a categorical raw feature equals `value`, else 0.0."""
    name: str
    value: str

    def eval(self, df):
        return (df[self.name].to_numpy() == self.value).astype(np.float64)


def log(e: Expr) -> Expr: return Op("Log", e)
def eq(e: Expr, v: float) -> Expr: return Op("Equal", e, lift(v))
def le(e: Expr, v: float) -> Expr: return Op("LessOrEqual", e, lift(v))


c = {f.name: Col(f.name) for f in RAW_FEATURES}

# name -> (expression, meaning). Counts that can be zero get +1 in denominators.
DERIVED: dict[str, tuple[Expr, str]] = {
    "log_revenu_mensuel": (log(c["revenu_mensuel"]), "log of monthly income"),
    "age_debut_carriere": (c["age"] - c["annee_experience_totale"], "age at the start of the career"),
    "taux_volatilite": (c["nombre_experiences_precedentes"] / (c["annee_experience_totale"] + 1),
                        "previous employers per year of experience"),
    "ratio_fidelite_entreprise": (c["annees_dans_l_entreprise"] / (c["annee_experience_totale"] + 1),
                                  "share of the career spent at this company"),
    "ratio_stagnation": (c["annees_depuis_la_derniere_promotion"] / (c["annees_dans_l_entreprise"] + 1),
                         "share of the tenure since the last promotion"),
    "satisfaction_moyenne": ((c["satisfaction_employee_nature_travail"] + c["satisfaction_employee_environnement"]
                              + c["satisfaction_employee_equilibre_pro_perso"] + c["satisfaction_employee_equipe"])
                             / 4, "mean of the four satisfaction scores"),
    "formations_par_annee": (c["nb_formations_suivies"] / (c["annees_dans_l_entreprise"] + 1),
                             "trainings last year per year of tenure"),
    "distance_x_deplacement": (c["distance_domicile_travail"] * c["frequence_deplacement"],
                               "commute distance times travel frequency"),
    "log_annees_entreprise": (log(c["annees_dans_l_entreprise"] + 1), "log(1 + years at the company)"),
    "log_experience_totale": (log(c["annee_experience_totale"] + 1), "log(1 + total years of experience)"),
    "sans_participation_pee": (eq(c["nombre_participation_pee"], 0), "no stock options (1/0)"),
    "moins_de_26_ans": (le(c["age"], 25), "aged 25 or less (1/0)"),
    "niveau_hierarchique_1": (eq(c["niveau_hierarchique_poste"], 1), "entry job level (1/0)"),
    "implication_faible": (eq(c["note_evaluation_precedente"], 1), "lowest involvement rating (1/0)"),
    "environnement_insatisfaisant": (eq(c["satisfaction_employee_environnement"], 1),
                                     "lowest environment satisfaction (1/0)"),
    "travail_insatisfaisant": (eq(c["satisfaction_employee_nature_travail"], 1), "lowest job satisfaction (1/0)"),
    "equilibre_mauvais": (eq(c["satisfaction_employee_equilibre_pro_perso"], 1), "worst work-life balance (1/0)"),
    "nouveau_dans_le_poste": (eq(c["annees_dans_le_poste_actuel"], 0), "less than a year in the role (1/0)"),
    "nouveau_responsable": (eq(c["annes_sous_responsable_actuel"], 0), "less than a year with the manager (1/0)"),
    "heures_sup_niveau_1": (c["heure_supplementaires"] * eq(c["niveau_hierarchique_poste"], 1),
                            "overtime at entry job level (1/0)"),
    "celibataire_sans_pee": (IsCategory("statut_marital", "Célibataire") * eq(c["nombre_participation_pee"], 0),
                             "single and no stock options (1/0)"),
}

NUMERIC_MODEL_INPUTS = [f.name for f in RAW_FEATURES if f.type != "category" and f.used_by_model]
CATEGORICAL_MODEL_INPUTS = [f.name for f in RAW_FEATURES if f.type == "category"]
SCALED_COLUMNS = NUMERIC_MODEL_INPUTS + list(DERIVED)


def add_derived(raw: pd.DataFrame) -> pd.DataFrame:
    """The model's view of an employee: numeric raw features, derived features, categories."""
    out = raw[NUMERIC_MODEL_INPUTS].astype(np.float64).copy()
    for name, (expr, _) in DERIVED.items():
        out[name] = expr.eval(raw)
    for name in CATEGORICAL_MODEL_INPUTS:
        out[name] = raw[name]
    return out
