"""Swedish and English labels. Swedish is the default everywhere; English is one argument away.

Examples
--------
>>> label("percentile_sweden", "en")
'Percentile in Sweden'
>>> label("percentile_sweden")
'Percentil i Sverige'
"""

from __future__ import annotations

from natsam_analysis.config import LANGUAGES, default_language
from natsam_analysis.errors import NatsamError

#: The visible note on everything built from demo data (required wording).
DEMO_NOTE = {
    "sv": "Demodata – syntetiska värden, inte officiell statistik",
    "en": "Demo data – synthetic values, not official statistics",
}

LABELS: dict[str, tuple[str, str]] = {
    # general
    "municipality": ("Kommun", "Municipality"),
    "municipalities": ("Kommuner", "Municipalities"),
    "county": ("Län", "County"),
    "fa_region": ("FA-region", "FA region"),
    "region_type": ("Regiontyp", "Region type"),
    "pillar": ("Område", "Pillar"),
    "indicator": ("Indikator", "Indicator"),
    "year": ("År", "Year"),
    "value": ("Värde", "Value"),
    "language": ("Språk", "Language"),
    "sweden": ("Sverige", "Sweden"),
    "platforms": ("Plattformskommunerna", "Platform municipalities"),
    "platform_municipality": ("Plattformskommun", "Platform municipality"),
    "other_municipalities": ("Övriga kommuner", "Other municipalities"),
    "national_median": ("Rikets median", "National median"),
    "national_range": ("Mittersta hälften av kommunerna (25–75 %)", "Middle half of municipalities (25–75%)"),
    "no_data": ("Uppgift saknas", "No data"),
    "area_km2": ("Yta (km²)", "Area (km²)"),
    "coverage": ("Täckning", "Coverage"),
    "coverage_share": ("Andel kommuner med värde", "Share of municipalities with a value"),
    "source_kolada": ("Källa: Kolada", "Source: Kolada"),
    "derived_kolada": ("Beräknat från Kolada", "Calculated from Kolada"),
    "source_scb": ("Källa: SCB", "Source: Statistics Sweden (SCB)"),
    "derived_scb": ("Beräknat från SCB", "Calculated from Statistics Sweden (SCB)"),
    "fetched": ("hämtad", "fetched"),
    # the dashboards as one site (natsam_analysis.dashboard.site: start page, header, footer)
    "site_title": ("Innovationsförmåga i Sveriges kommuner", "Innovation capacity in Sweden's municipalities"),
    "site_intro": (
        "Instrumentpaneler för samverkan mellan de sex kommunala innovationsplattformarna – Lund, Göteborg, "
        "Borås, Stockholm, Umeå och Kiruna – och dess följeforskning: kommunernas statistik, innovationsindexet, "
        "Agenda 2030, enkäten, systemhindren och innovationsfallen.",
        "Dashboards for the collaboration of the six municipal innovation platforms – Lund, Göteborg, Borås, "
        "Stockholm, Umeå and Kiruna – and its accompanying research: the municipalities' statistics, the "
        "innovation index, Agenda 2030, the survey, the system barriers and the innovation cases.",
    ),
    "site_dashboards_heading": ("Instrumentpaneler", "Dashboards"),
    "site_all_dashboards": ("Alla instrumentpaneler", "All dashboards"),
    "site_about_heading": ("Om instrumentpanelerna", "About the dashboards"),
    "site_about": (
        "natsam-analysis är ett öppet analysverktyg: ett Python-bibliotek, forskningsanteckningsböcker och dessa "
        "instrumentpaneler, fritt att använda under licensen MIT. Kommunstatistiken kommer från Kolada och SCB, "
        "enkäten, systemhindren och innovationsfallen från forskningens egna register. Varje diagram anger sin "
        "källa; demodata är syntetiska värden, inte officiell statistik.",
        "natsam-analysis is an open analytical suite: a Python library, research notebooks and these "
        "dashboards, free to use under the MIT licence. The municipal statistics come from Kolada and "
        "Statistics Sweden (SCB), the survey, the system barriers and the innovation cases from the research's "
        "own registers. Every chart names its source; demo data are synthetic values, not official statistics.",
    ),
    "site_project": ("natsam-analysis", "natsam-analysis"),
    "site_licence": ("Licens: {licence}", "Licence: {licence}"),
    "site_screenshot_alt": ("Skärmbild av instrumentpanelen {title}", "Screenshot of the dashboard {title}"),
    "site_demo_badge": ("Visar demodata", "Shows demo data"),
    "kommunprofil_description": (
        "Välj en av Sveriges 290 kommuner och ett område: en karta med kommunen markerad, kommunens percentil i "
        "Sverige och bland plattformskommunerna på varje indikator, och en indikator över tid jämfört med riket.",
        "Choose one of Sweden's 290 municipalities and a pillar: a map with the municipality outlined, its "
        "percentile in Sweden and among the platform municipalities on each indicator, and an indicator over "
        "time against the national median.",
    ),
    "indexutforskaren_description": (
        "NATSAM-indexet för innovationsförmåga på en karta och som rangordning, med ett osäkerhetsintervall för "
        "varje placering. Prova egna vikter, normalisering och aggregering och ladda ned varianten.",
        "The NATSAM index of innovation capacity on a map and as a ranking, each rank with its uncertainty "
        "interval. Try your own weights, normalisation and aggregation, and download the variant.",
    ),
    "agenda2030_description": (
        "De sju globala mål som plattformarna följer upp: status och trend för varje kommun enligt SDSN:s metod, "
        "jämfört med de mest lika kommunerna och plattformskommunerna, och skillnader mellan kvinnor och män.",
        "The seven global goals the platforms follow up: status and trend for any municipality by SDSN's "
        "method, compared with its most similar municipalities and the platform municipalities, and the gaps "
        "between women and men.",
    ),
    "survey_description": (
        "Enkäten Kommunal innovationsförmåga: konstruktprofiler per plattformskommun och våg, och ett konstrukt "
        "jämfört mellan grupper med konfidensintervall. Små grupper visas som ”för få svar”.",
        "The survey Municipal innovation capability: construct profiles by platform municipality and wave, and "
        "one construct compared between groups with confidence intervals. Small groups show as “too few "
        "responses”.",
    ),
    "barriers_description": (
        "Systemhindren som plattformskommunerna har lyft: hur långt de har kommit, lagområden, kommunal rådighet "
        "och allvarlighet, hur länge de har varit öppna och vem som kan lösa dem, med varje hinders historik.",
        "The system barriers raised by the platform municipalities: how far they have come, legal areas, "
        "municipal mandate and severity, how long they have been open and who can resolve them, with each "
        "barrier's history.",
    ),
    "cases_description": (
        "Innovationsfallen i plattformarnas portfölj: OPSI:s fasetter per plattform, livscykeln, bidragen till "
        "de globala målen, Vinnovas tre steg för jämställdhet och varje fall i detalj.",
        "The innovation cases of the platforms' portfolio: OPSI's facets per platform, the lifecycle, the "
        "contributions to the global goals, Vinnova's three steps for gender equality and every case in detail.",
    ),
    # kommunprofil
    "kommunprofil_title": ("Kommunprofil", "Municipality profile"),
    "kommunprofil_intro": (
        "Välj en kommun och ett område. Percentilen visar hur stor andel av kommunerna som har ett "
        "sämre värde – högre är alltid bättre, oavsett om indikatorn ska vara hög, låg eller nära ett mål.",
        "Choose a municipality and a pillar. The percentile shows the share of municipalities with a worse "
        "value – higher is always better, whether the indicator should be high, low or close to a target.",
    ),
    "choose_municipality": ("Välj kommun (skriv för att söka)", "Choose municipality (type to search)"),
    "percentile_sweden": ("Percentil i Sverige", "Percentile in Sweden"),
    "percentile_platforms": ("Percentil bland plattformskommunerna", "Percentile among the platform municipalities"),
    "percentile_axis": ("Percentil (100 = bäst)", "Percentile (100 = best)"),
    # the pillar on a line of its own: one line of both is wider than a phone
    "percentile_title": ("{name}: percentil per indikator<br><sub>{pillar}</sub>",
                         "{name}: percentile by indicator<br><sub>{pillar}</sub>"),
    "map_title": ("{indicator}, {year}", "{indicator}, {year}"),
    "series_title": ("{name} jämfört med riket", "{name} compared with Sweden"),
    "direction_1": ("högre är bättre", "higher is better"),
    "direction_-1": ("lägre är bättre", "lower is better"),
    "direction_0": ("närmast målet {target} är bättre", "closest to the target {target} is better"),
    "direction_none": ("bakgrundsvariabel", "context variable"),
    "latest_year_note": ("Senaste år med värde för kommunen", "Latest year with a value for the municipality"),
    "unknown_municipality": ("Okänd kommun: {value}", "Unknown municipality: {value}"),
    # oversikt
    "coverage_title": ("Täckning per indikator och år", "Coverage by indicator and year"),
    "distribution_title": ("Plattformskommunerna i den nationella fördelningen, {year}",
                           "The platform municipalities in the national distribution, {year}"),
    "distribution_axis": ("Percentil i Sverige (100 = bäst)", "Percentile in Sweden (100 = best)"),
    # similar municipalities (metrics.peers, viz.peers); structural variables are "peers_var_<name>"
    "peers_var_log_population": ("Folkmängd (log10)", "Population (log10)"),
    "peers_var_log_density": ("Invånare per km² (log10)", "Residents per km² (log10)"),
    "peers_var_urban_rural": ("Regiontyp stad–land (1 = storstadsregion … 6 = mycket avlägsen landsbygd)",
                              "Urban-rural region type (1 = metropolitan … 6 = very remote rural)"),
    "peers_var_urbanisation": ("Tätortsgrad (%)", "Degree of urbanisation (%)"),
    "peers_var_share_65_plus": ("Invånare 65+ år (%)", "Residents aged 65+ (%)"),
    "peers_var_median_income": ("Förvärvsinkomst 20–64 år, median (kr)",
                                "Earned income aged 20–64, median (SEK)"),
    "peers_var_post_secondary": ("Eftergymnasial utbildning 25–64 år (%)",
                                 "Post-secondary education aged 25–64 (%)"),
    "peer_municipalities": ("Jämförbara kommuner", "Similar municipalities"),
    "peer_distance": ("Avstånd (standardiserade strukturvariabler)", "Distance (standardised structural variables)"),
    "peers_title": ("{name}: de {k} mest lika kommunerna", "{name}: the {k} most similar municipalities"),
    "peer_percentile": ("Percentil bland de jämförbara kommunerna", "Percentile among the similar municipalities"),
    "peer_percentile_axis": ("Percentil bland de jämförbara kommunerna (100 = bäst)",
                             "Percentile among the similar municipalities (100 = best)"),
    "peer_median": ("Median för de jämförbara kommunerna", "Median of the similar municipalities"),
    "peer_position_title": ("{name} bland sina {k} mest lika kommuner",
                            "{name} among its {k} most similar municipalities"),
    "silhouette": ("Silhouettevärde", "Silhouette score"),
    "n_clusters": ("Antal kluster (k)", "Number of clusters (k)"),
    "silhouette_title": ("Hur väl avgränsade är klustren? Silhouettevärde per k",
                         "How well separated are the clusters? Silhouette score by k"),
    "cluster": ("Kluster", "Cluster"),
    "cluster_kmeans": ("k-medelvärde", "k-means"),
    "cluster_ward": ("Ward (hierarkisk)", "Ward (hierarchical)"),
    "cluster_map_title": ("Kommuner i {k} kluster efter strukturvariabler ({method})",
                          "Municipalities in {k} clusters by structural variables ({method})"),
    "skr_group": ("SKR:s kommungrupp", "SKR municipality group"),
    # indexutforskaren
    "indexutforskaren_title": ("Indexutforskaren – innovationsförmåga", "Index explorer – innovation capacity"),
    "indexutforskaren_intro": (
        "Indexet väger samman kommunens resultat inom åtta områden till ett mått på innovations- och "
        "omställningsförmåga. Prova egna vikter, normalisering och aggregering: kartan och rangordningen "
        "uppdateras direkt. Osäkerhetsintervallet visar mellan vilka placeringar kommunens rang i det "
        "publicerade indexet varierar när metodvalen varieras slumpmässigt (90 % av körningarna).",
        "The index combines a municipality's results in eight pillars into one measure of innovation and "
        "transformation capacity. Try your own weights, normalisation and aggregation: the map and the "
        "ranking update at once. The uncertainty interval shows between which places the municipality's "
        "rank in the published index varies when the method choices are varied at random (90% of runs).",
    ),
    "weights_heading": ("Vikter per område", "Weights by pillar"),
    "normalisation": ("Normalisering", "Normalisation"),
    "aggregation": ("Aggregering", "Aggregation"),
    "norm_minmax": ("Min–max (1–100)", "Min–max (1–100)"),
    "norm_zscore": ("z-värden (medel 0, sd 1)", "z-scores (mean 0, sd 1)"),
    "norm_rank": ("Rangordning (percentil)", "Ranks (percentile)"),
    "agg_arithmetic": ("Aritmetiskt medelvärde", "Arithmetic mean"),
    "agg_geometric": ("Geometriskt medelvärde", "Geometric mean"),
    "reset_published": ("Återställ publicerat index", "Reset to the published index"),
    "download_spec": ("Ladda ned specifikation (YAML)", "Download specification (YAML)"),
    "download_csv": ("Ladda ned resultat (CSV)", "Download results (CSV)"),
    "index_score": ("Indexvärde", "Index score"),
    "rank": ("Rang", "Rank"),
    "rank_axis": ("Rang (1 = bäst)", "Rank (1 = best)"),
    "published_rank": ("Rang i publicerat index", "Rank in the published index"),
    "rank_interval": ("Osäkerhetsintervall (5–95 %)", "Uncertainty interval (5–95%)"),
    "selected_municipality": ("Vald kommun", "Selected municipality"),
    "variant_published": ("publicerat index", "published index"),
    "variant_custom": ("egen variant", "own variant"),
    "ranking_title": ("Rangordning, {variant}", "Ranking, {variant}"),
    "ranking_subtitle": ("Topp {n}, plattformskommunerna och vald kommun",
                         "Top {n}, the platform municipalities and the selected municipality"),
    "index_map_title": ("Innovationsförmåga, {variant}", "Innovation capacity, {variant}"),
    "rank_summary": ("{name}: rang {rank} av {n} ({variant})", "{name}: rank {rank} of {n} ({variant})"),
    "rank_summary_published": (
        "I det publicerade indexet: rang {rank}, osäkerhetsintervall {low}–{high}",
        "In the published index: rank {rank}, uncertainty interval {low}–{high}",
    ),
    "no_rank": ("{name}: ingen rang (för få värden)", "{name}: no rank (too few values)"),
    "weights_all_zero": ("Minst ett område måste ha en vikt över 0.", "At least one pillar needs a weight above 0."),
    "geometric_needs_positive": (
        "Geometriskt medelvärde kräver positiva värden, vilket {normalisation} inte ger. Välj min–max "
        "eller aritmetiskt medelvärde.",
        "The geometric mean needs positive values, which {normalisation} does not give. Choose min–max "
        "or the arithmetic mean.",
    ),
    "variant_description": ("Egen variant av {name}, skapad i Indexutforskaren.",
                            "Own variant of {name}, made in the index explorer."),
    # municipality reports and the static site (natsam_analysis.reports, notebooks/rapporter/kommunrapport.ipynb)
    "report_title": ("Kommunrapport: {name}", "Municipality report: {name}"),
    "report_facts": ("Kommunkod {id} · {county} · FA-region {fa} ({region_type})",
                     "Municipality code {id} · {county} · FA region {fa} ({region_type})"),
    "report_intro": (
        "Rapporten jämför {name} med Sveriges 290 kommuner: nyckeltal, innovationsindexet med dess "
        "osäkerhet, Agenda 2030, de mest lika kommunerna och skillnader mellan kvinnor och män. En percentil "
        "är andelen kommuner med ett sämre värde: 100 är alltid bäst, oavsett om indikatorn ska vara hög, "
        "låg eller nära ett mål. Varje diagram har en tabell med samma siffror under sig.",
        "The report compares {name} with Sweden's 290 municipalities: key indicators, the innovation index "
        "with its uncertainty, Agenda 2030, the most similar municipalities and the gaps between women and "
        "men. A percentile is the share of municipalities with a worse value: 100 is always best, whether "
        "the indicator should be high, low or close to a target. Every chart has a table of the same "
        "numbers below it.",
    ),
    "report_profile_heading": ("Nyckeltal jämfört med riket", "Key indicators compared with Sweden"),
    "report_index_heading": ("Innovationsindexet", "The innovation index"),
    "report_index_text": (
        "{name} har rang {rank} av {n} i det publicerade indexet för innovations- och omställningsförmåga; "
        "när metodvalen varieras slumpmässigt hamnar rangen mellan {low} och {high} (90 % av körningarna).",
        "{name} ranks {rank} of {n} in the published index of innovation and transformation capacity; when "
        "the method choices are varied at random, the rank falls between {low} and {high} (90% of runs).",
    ),
    "report_ranking_subtitle": ("{name}, de mest lika kommunerna och plattformskommunerna",
                                "{name}, the most similar municipalities and the platform municipalities"),
    "report_map_title": ("Innovationsindexet i {county}", "The innovation index in {county}"),
    "report_agenda_heading": ("Agenda 2030: de sju målen", "Agenda 2030: the seven goals"),
    "report_peers_heading": ("Jämförbara kommuner", "Similar municipalities"),
    "report_gender_heading": ("Skillnader mellan kvinnor och män", "Gaps between women and men"),
    "peer_n": ("Jämförbara kommuner med värde", "Similar municipalities with a value"),
    "figure_files": ("Figuren som bild:", "The figure as an image:"),
    "site_reports_title": ("Kommunrapporter: innovationsförmåga i Sveriges kommuner",
                           "Municipality reports: innovation capacity in Sweden's municipalities"),
    "site_reports_intro": (
        "En rapport per kommun: nyckeltal jämfört med riket, innovationsindexet med dess osäkerhet, Agenda 2030, "
        "jämförbara kommuner och skillnader mellan kvinnor och män. Sidorna fungerar utan nätverk.",
        "A report per municipality: key indicators compared with Sweden, the innovation index with its "
        "uncertainty, Agenda 2030, similar municipalities and the gaps between women and men. The pages work "
        "without a network.",
    ),
    "site_reports_about": (
        "Rapporterna är körda och exporterade med natsam-analysis, ett öppet analysverktyg (licens MIT), från "
        "anteckningsboken notebooks/rapporter/kommunrapport.ipynb. Kommunstatistiken kommer från Kolada och SCB; "
        "varje diagram anger sin källa, och demodata är syntetiska värden, inte officiell statistik.",
        "The reports were run and exported with natsam-analysis, an open analytical suite (MIT licence), from "
        "the notebook notebooks/rapporter/kommunrapport.ipynb. The municipal statistics come from Kolada and "
        "Statistics Sweden (SCB); every chart names its source, and demo data are synthetic values, not "
        "official statistics.",
    ),
    "site_platforms_heading": ("Plattformskommunerna", "The platform municipalities"),
    "site_all_heading": ("Alla kommuner", "All municipalities"),
    "site_search": ("Sök kommun eller län", "Search municipality or county"),
    "site_no_match": ("Ingen kommun matchar sökningen.", "No municipality matches the search."),
    "site_back": ("Alla kommuner", "All municipalities"),
    # index audit and uncertainty (notebooks)
    "others": ("Övriga", "Others"),
    "nominal_rank": ("Rang i publicerat index", "Rank in the published index"),
    "rank_interval_axis": ("Rang i Monte Carlo-körningarna (5–95 %)", "Rank over the Monte Carlo runs (5–95%)"),
    "first_order": ("Förstaordningens effekt (Si)", "First-order effect (Si)"),
    "total_effect": ("Total effekt (STi)", "Total effect (STi)"),
    "sobol_axis": ("Andel av variansen i rangförskjutning", "Share of the variance of the rank shift"),
    # gender lens (metrics.gender, viz.gender)
    "gender_women_worse": ("kvinnor har sämre utfall", "women have worse outcomes"),
    "gender_men_worse": ("män har sämre utfall", "men have worse outcomes"),
    "gender_no_difference": ("ingen skillnad", "no difference"),
    "women": ("Kvinnor", "Women"),
    "men": ("Män", "Men"),
    "gender_reading": ("Vem har sämre utfall", "Who has worse outcomes"),
    "gender_gap": ("Skillnad kvinnor − män", "Gap women − men"),
    "gender_ratio": ("Kvot kvinnor/män", "Ratio women/men"),
    "gender_gap_std": ("Standardiserad skillnad", "Standardised gap"),
    "gender_gap_std_axis": ("Skillnad kvinnor − män, i standardavvikelser mellan kommuner",
                            "Gap women − men, in standard deviations across municipalities"),
    "gender_share_axis": ("Andel kommuner (%)", "Share of municipalities (%)"),
    "gender_gap_measure": ("Könsskillnad: {title}", "Gender gap: {title}"),
    "gender_gaps_aggregate": ("Könsskillnader", "Gender gaps"),
    "gender_pillar_aggregate": ("Jämställdhetsindikatorer", "Gender-equality indicators"),
    "gender_subindex": ("Jämställdhetsindex", "Gender-equality index"),
    "gender_gaps_title": ("Skillnad mellan kvinnor och män per indikator",
                          "Gap between women and men by indicator"),
    "gender_largest_title": ("{name}: de största skillnaderna mellan kvinnor och män",
                             "{name}: the largest gaps between women and men"),
    "gender_distribution_title": ("Vem har sämre utfall? Andel kommuner per indikator",
                                  "Who has worse outcomes? Share of municipalities by indicator"),
    "gender_ranking_title": ("Jämställdhetsindex: rangordning", "Gender-equality index: ranking"),
    # Agenda 2030 (metrics.agenda2030, viz.sdg, the Agenda 2030 dashboard)
    "agenda2030_title": ("Agenda 2030", "Agenda 2030"),
    "agenda2030_intro": (
        "Läget för de sju globala mål som plattformarna följer upp, med SDSN:s metod (Sustainable "
        "Development Report): färgen visar hur långt kommunen har kvar till målet, pilen om utvecklingen "
        "sedan 2015 räcker för att nå det till 2030. Jämför med liknande kommuner och plattformskommunerna, "
        "och välj ett mål för att se dess indikatorer.",
        "The status of the seven global goals the platforms follow up, by SDSN's method (Sustainable "
        "Development Report): the colour shows how far the municipality is from the goal, the arrow whether "
        "progress since 2015 is enough to reach it by 2030. Compare with similar municipalities and the "
        "platform municipalities, and choose a goal to see its indicators.",
    ),
    "sdg_goal": ("Mål {goal}", "Goal {goal}"),
    "sdg_1": ("Ingen fattigdom", "No poverty"),
    "sdg_3": ("Hälsa och välbefinnande", "Good health and well-being"),
    "sdg_4": ("God utbildning för alla", "Quality education"),
    "sdg_5": ("Jämställdhet", "Gender equality"),
    "sdg_11": ("Hållbara städer och samhällen", "Sustainable cities and communities"),
    "sdg_13": ("Bekämpa klimatförändringarna", "Climate action"),
    "sdg_16": ("Fredliga och inkluderande samhällen", "Peace, justice and strong institutions"),
    "sdg_status_green": ("Målet nått", "Goal achieved"),
    "sdg_status_yellow": ("Utmaningar kvarstår", "Challenges remain"),
    "sdg_status_orange": ("Betydande utmaningar", "Significant challenges"),
    "sdg_status_red": ("Stora utmaningar", "Major challenges"),
    "sdg_status_grey": ("Uppgift saknas", "No data"),
    "sdg_relative_green": ("Bästa fjärdedelen av kommunerna", "Best quarter of municipalities"),
    "sdg_relative_yellow": ("Mittersta hälften", "Middle half"),
    "sdg_relative_orange": ("Mittersta hälften", "Middle half"),
    "sdg_relative_red": ("Sämsta fjärdedelen", "Worst quarter"),
    "sdg_relative_grey": ("Uppgift saknas", "No data"),
    "sdg_trend_on_track": ("I takt med målet", "On track"),
    "sdg_trend_moderately_improving": ("Går framåt, men för långsamt", "Moderately improving"),
    "sdg_trend_stagnating": ("Står still", "Stagnating"),
    "sdg_trend_decreasing": ("Går bakåt", "Decreasing"),
    "sdg_score": ("Poäng (0–100)", "Score (0–100)"),
    "sdg_score_axis": ("Poäng (100 = optimum)", "Score (100 = optimum)"),
    "sdg_trend": ("Trend sedan 2015", "Trend since 2015"),
    "sdg_status": ("Läge", "Status"),
    "sdg_goal_header": ("Mål", "Goal"),
    "sdg_goal_choice": ("Mål", "Goal"),
    "sdg_goal_axis": ("Globalt mål", "Global goal"),
    "sdg_unknown_goal": ("Okänt mål: välj ett av {goals}.", "Unknown goal: choose one of {goals}."),
    "sdg_view_absolute": ("Mot målen (SDSN:s trösklar)", "Against the goals (SDSN's thresholds)"),
    "sdg_view_relative": ("Jämfört med andra kommuner", "Compared with other municipalities"),
    "sdg_grid_title": ("Läget för de sju målen", "Status of the seven goals"),
    "sdg_indicators_of": ("{name}: indikatorerna, deras trösklar och trender",
                          "{name}: the indicators, their thresholds and trends"),
    "sdg_tag_chosen": ("vald", "chosen"),
    "sdg_tag_peer": ("liknande", "similar"),
    "sdg_tag_platform": ("plattform", "platform"),
    "sdg_optimum": ("Optimum (100)", "Optimum (100)"),
    "sdg_green_threshold": ("Grön tröskel", "Green threshold"),
    "sdg_red_threshold": ("Röd tröskel", "Red threshold"),
    "sdg_lower_bound": ("Nedre gräns (0)", "Lower bound (0)"),
    "sdg_justification": ("Motivering", "Justification"),
    "sdg_distance_from": ("avstånd från {target} %", "distance from {target} %"),
    "sdg_gendered_of_goals": ("de könsuppdelade indikatorerna i de sju målen",
                              "the indicators of the seven goals reported by gender"),
    "sdg_peers_note": (
        "Liknande kommuner: de {k} som ligger närmast på {variables} (standardiserade, k = {k}): {similar}.",
        "Similar municipalities: the {k} closest on {variables} (standardised, k = {k}): {similar}.",
    ),
    # barriers (systemhinderregistret)
    "barriers_title": ("Systemhinder", "System barriers"),
    "barriers_intro": (
        "Systemhinder som plattformskommunerna har lyft: hur långt de har kommit i arbetsflödet, vilka "
        "lagområden och nivåer de kommer från, hur länge de har varit öppna och vem som kan lösa dem. "
        "Filtrera på plattform, lagområde, typ och status; välj ett hinder för att se dess historik.",
        "System barriers raised by the platform municipalities: how far they have come in the workflow, "
        "which legal areas and levels they come from, how long they have been open and who can resolve "
        "them. Filter by platform, legal area, type and status; choose a barrier to see its history.",
    ),
    "barriers_all": ("Alla", "All"),
    "barriers_source_file": ("Källa: systemhinderregistret ({file})", "Source: system-barrier register ({file})"),
    "barriers_count": ("Antal hinder", "Number of barriers"),
    "barriers_share": ("Andel", "Share"),
    "barriers_stage": ("Steg", "Stage"),
    "barriers_days_open": ("Dagar öppet", "Days open"),
    "barriers_still_open": ("fortfarande öppet", "still open"),
    "barriers_closed": ("avslutat", "closed"),
    "barriers_funnel_title": ("Hur långt hindren har kommit", "How far the barriers have come"),
    "barriers_funnel_sub": ("antal hinder som nått varje steg i arbetsflödet",
                            "number of barriers that reached each stage of the workflow"),
    "barriers_heatmap_title": ("Lagområde och plattform", "Legal area and platform"),
    "barriers_mandate_title": ("Kommunal rådighet och allvarlighetsgrad", "Municipal mandate and severity"),
    "barriers_days_title": ("Dagar från lyft till löst (eller till i dag)", "Days from raised to resolved (or to today)"),
    "barriers_network_title": ("Hinder, ärenden och ansvariga aktörer", "Barriers, cases and responsible actors"),
    "barriers_sankey_title": ("Från hinder via ansvarig aktör till väg framåt",
                              "From barrier via responsible actor to pathway"),
    "barriers_timeline_title": ("Händelser för {barrier}", "Events of {barrier}"),
    "barriers_counts_title": ("Hinder per {field}", "Barriers by {field}"),
    "barriers_shared_title": ("Hinder som flera kommuner har lyft", "Barriers raised by several municipalities"),
    "barriers_n_municipalities": ("Antal kommuner", "Number of municipalities"),
    "barriers_none_match": ("Inga hinder matchar filtren.", "No barriers match the filters."),
    "barriers_choose": ("Hinder", "Barrier"),
    "barriers_event_date": ("Datum", "Date"),
    "barriers_event_summary": ("Sammanfattning", "Summary"),
    "barriers_event_outcome": ("Utfall", "Outcome"),
    "barriers_event_actors": ("Aktörer", "Actors"),
    "barriers_node_barrier": ("Hinder", "Barrier"),
    "barriers_node_actor": ("Ansvarig aktör", "Responsible actor"),
    "barriers_node_case": ("Ärende", "Case"),
    "barriers_node_pathway": ("Väg framåt", "Pathway"),
    "barriers_dialogverkstad": ("Dialogverkstad", "Dialogue workshop"),
    "barriers_field_barrier_id": ("Id", "Id"),
    "barriers_field_title": ("Hinder", "Barrier"),
    "barriers_field_raised_by_platform": ("Plattform", "Platform"),
    "barriers_field_raised_by_municipality": ("Kommuner", "Municipalities"),
    "barriers_field_date_raised": ("Lyft", "Raised"),
    "barriers_field_date_resolved": ("Löst", "Resolved"),
    "barriers_field_barrier_type": ("Typ av hinder", "Barrier type"),
    "barriers_field_legal_area": ("Lagområde", "Legal area"),
    "barriers_field_level_of_origin": ("Nivå där hindret uppstår", "Level of origin"),
    "barriers_field_municipal_mandate": ("Kommunal rådighet", "Municipal mandate"),
    "barriers_field_severity": ("Allvarlighetsgrad (1–5)", "Severity (1–5)"),
    "barriers_field_status": ("Status", "Status"),
    "barriers_field_pathway": ("Väg framåt", "Pathway"),
    "barriers_field_responsible_actor": ("Ansvarig aktör", "Responsible actor"),
    "barriers_field_type": ("Typ", "Type"),
    "barriers_platform_Lund": ("Lund", "Lund"),
    "barriers_platform_Göteborg": ("Göteborg", "Gothenburg"),
    "barriers_platform_Borås": ("Borås", "Borås"),
    "barriers_platform_Stockholm": ("Stockholm", "Stockholm"),
    "barriers_platform_Umeå": ("Umeå", "Umeå"),
    "barriers_platform_Kiruna": ("Kiruna", "Kiruna"),
    "barriers_platform_other": ("Annan", "Other"),
    "barriers_raised_by_platform_Lund": ("Lund", "Lund"),
    "barriers_raised_by_platform_Göteborg": ("Göteborg", "Gothenburg"),
    "barriers_raised_by_platform_Borås": ("Borås", "Borås"),
    "barriers_raised_by_platform_Stockholm": ("Stockholm", "Stockholm"),
    "barriers_raised_by_platform_Umeå": ("Umeå", "Umeå"),
    "barriers_raised_by_platform_Kiruna": ("Kiruna", "Kiruna"),
    "barriers_raised_by_platform_other": ("Annan", "Other"),
    "barriers_barrier_type_legal": ("Lag/regelverk", "Legal/regulatory"),
    "barriers_barrier_type_application": ("Tillämpning av regler", "Rule application"),
    "barriers_barrier_type_financial": ("Finansiering", "Financial/funding"),
    "barriers_barrier_type_procurement": ("Upphandling", "Procurement"),
    "barriers_barrier_type_data_sharing": ("Data- och informationsdelning", "Data/information sharing"),
    "barriers_barrier_type_organisational": ("Organisation och styrning", "Organisational/governance"),
    "barriers_barrier_type_competence": ("Kompetens och kapacitet", "Competence/capacity"),
    "barriers_barrier_type_cultural": ("Kultur och normer", "Cultural/normative"),
    "barriers_barrier_type_technical": ("Teknik och infrastruktur", "Technical/infrastructure"),
    "barriers_barrier_type_market": ("Marknad", "Market"),
    "barriers_rule_vs_interpretation_rule": ("Regelhinder", "Actual rule"),
    "barriers_rule_vs_interpretation_interpretation": ("Tillämpningshinder", "Interpretation or practice"),
    "barriers_rule_vs_interpretation_unclear": ("Oklart", "Unclear"),
    "barriers_legal_area_KL": ("KL", "KL"),
    "barriers_legal_area_LOU/LUF/LUK": ("LOU/LUF/LUK", "LOU/LUF/LUK"),
    "barriers_legal_area_OSL": ("OSL", "OSL"),
    "barriers_legal_area_GDPR/dataskyddslagen": ("GDPR/dataskyddslagen", "GDPR/Data Protection Act"),
    "barriers_legal_area_PBL": ("PBL", "PBL"),
    "barriers_legal_area_MB": ("MB", "MB"),
    "barriers_legal_area_SoL": ("SoL", "SoL"),
    "barriers_legal_area_HSL": ("HSL", "HSL"),
    "barriers_legal_area_Skollagen": ("Skollagen", "Education Act"),
    "barriers_legal_area_LSS": ("LSS", "LSS"),
    "barriers_legal_area_FL": ("FL (förvaltningslagen)", "FL (Administrative Procedure Act)"),
    "barriers_legal_area_ellagen": ("Ellagen", "Electricity Act"),
    "barriers_legal_area_statsbidragsförordning": ("Statsbidragsförordning", "State grant ordinance"),
    "barriers_legal_area_EU state aid": ("EU:s statsstödsregler", "EU state aid"),
    "barriers_legal_area_other": ("Övrigt", "Other"),
    "barriers_level_of_origin_lokal": ("Lokal", "Local"),
    "barriers_level_of_origin_regional": ("Regional", "Regional"),
    "barriers_level_of_origin_nationell": ("Nationell", "National"),
    "barriers_level_of_origin_EU": ("EU", "EU"),
    "barriers_level_of_origin_internationell": ("Internationell", "International"),
    "barriers_municipal_mandate_full": ("Full rådighet", "Full mandate"),
    "barriers_municipal_mandate_partial": ("Delvis rådighet", "Partial mandate"),
    "barriers_municipal_mandate_none": ("Ingen rådighet", "No mandate"),
    "barriers_actor_type_ministry": ("Departement", "Ministry"),
    "barriers_actor_type_agency": ("Myndighet", "Agency"),
    "barriers_actor_type_region": ("Region", "Region"),
    "barriers_actor_type_SKR": ("SKR", "SKR"),
    "barriers_actor_type_EU": ("EU", "EU"),
    "barriers_actor_type_municipality": ("Kommunen själv", "The municipality itself"),
    "barriers_status_identified": ("Identifierat", "Identified"),
    "barriers_status_validated": ("Validerat", "Validated"),
    "barriers_status_analysed": ("Analyserat", "Analysed"),
    "barriers_status_in_dialogue": ("I dialog (Dialogverkstad)", "In dialogue (Dialogverkstad)"),
    "barriers_status_proposal_submitted": ("Förslag inlämnat", "Proposal submitted"),
    "barriers_status_partly_resolved": ("Delvis löst", "Partly resolved"),
    "barriers_status_resolved": ("Löst", "Resolved"),
    "barriers_status_not_resolvable": ("Inte lösbart", "Not resolvable"),
    "barriers_status_parked": ("Parkerat", "Parked"),
    "barriers_status_withdrawn": ("Återkallat", "Withdrawn"),
    "barriers_stage_identified": ("Identifierat", "Identified"),
    "barriers_stage_validated": ("Validerat", "Validated"),
    "barriers_stage_analysed": ("Analyserat", "Analysed"),
    "barriers_stage_in_dialogue": ("I dialog (Dialogverkstad)", "In dialogue (Dialogverkstad)"),
    "barriers_stage_proposal_submitted": ("Förslag inlämnat", "Proposal submitted"),
    "barriers_stage_closed": ("Avslutat med utfall", "Closed with an outcome"),
    "barriers_pathway_guidance": ("Vägledning/förtydligande", "Guidance/clarification"),
    "barriers_pathway_trial": ("Försöksverksamhet", "Trial"),
    "barriers_pathway_regulatory_change": ("Regeländring", "Regulatory change"),
    "barriers_pathway_funding_change": ("Ändrad finansiering", "Funding change"),
    "barriers_pathway_standard_template": ("Standard/mall", "Standard/template"),
    "barriers_pathway_capacity_building": ("Kapacitetsuppbyggnad", "Capacity building"),
    "barriers_pathway_none": ("Ingen", "None"),
    "barriers_event_type_meeting": ("Möte", "Meeting"),
    "barriers_event_type_letter": ("Skrivelse", "Letter"),
    "barriers_event_type_remiss": ("Remiss", "Consultation (remiss)"),
    "barriers_event_type_decision": ("Beslut", "Decision"),
    "barriers_relation_causes": ("orsakar", "causes"),
    "barriers_relation_duplicates": ("dubblett av", "duplicates"),
    "barriers_relation_related": ("relaterat till", "related to"),
    "barriers_policy_area_general_public_services": ("Allmän offentlig förvaltning", "General public services"),
    "barriers_policy_area_defence": ("Försvar", "Defence"),
    "barriers_policy_area_public_order_safety": ("Ordning och säkerhet", "Public order and safety"),
    "barriers_policy_area_economic_affairs": ("Näringsliv och ekonomi", "Economic affairs"),
    "barriers_policy_area_environmental_protection": ("Miljöskydd", "Environmental protection"),
    "barriers_policy_area_housing_community": ("Bostäder och samhällsservice", "Housing and community amenities"),
    "barriers_policy_area_health": ("Hälsa", "Health"),
    "barriers_policy_area_recreation_culture": ("Fritid och kultur", "Recreation and culture"),
    "barriers_policy_area_education": ("Utbildning", "Education"),
    "barriers_policy_area_social_protection": ("Socialt skydd", "Social protection"),
    "barriers_policy_area_digital_government": ("Digital förvaltning", "Digital government"),
    "barriers_policy_area_labour_market": ("Arbetsmarknad", "Labour market"),
    "barriers_policy_area_research_innovation": ("Forskning och innovation", "Research and innovation"),
    "barriers_confidentiality_public": ("Offentlig", "Public"),
    "barriers_confidentiality_internal": ("Intern", "Internal"),
    # case portfolio (sources.cases, metrics.portfolio, viz.portfolio, the portfolio dashboard)
    "cases_title": ("Innovationsfall – portfölj", "Innovation cases – portfolio"),
    "cases_intro": ("Fallen i innovationsregistret: vilka fasetter (OPSI:s portföljmodell) plattformarnas fall har, "
                    "hur långt de har kommit, vilka globala mål de bidrar till och Vinnovas tre steg för jämställdhet. "
                    "Välj ett fall för att se alla dess uppgifter.",
                    "The cases of the innovation register: the facets (OPSI's portfolio model) of the platforms' cases, "
                    "how far they have come, which global goals they contribute to and Vinnova's three steps for "
                    "gender equality. Choose a case to see all its fields."),
    "cases_platform_choice": ("Plattform", "Platform"),
    "cases_all_platforms": ("Alla plattformar och övriga", "All platforms and others"),
    "cases_platform": ("Plattform", "Platform"),
    "cases_platform_none": ("Övriga kommuner", "Other municipalities"),
    "cases_summary_title": ("{n} fall från {municipalities} kommuner", "{n} cases from {municipalities} municipalities"),
    "cases_summary_platforms": ("Plattformar", "Platforms"),
    "cases_summary_facets": ("Huvudfasett", "Primary facet"),
    "cases_summary_years": ("Startade {first}–{last}; {opsi} får exporteras till OPSI; {reused} återanvänder ett annat fall",
                            "Launched {first}–{last}; {opsi} may be exported to OPSI; {reused} reuse another case"),
    "cases_case": ("Fall", "Case"),
    "cases_case_choice": ("Fall", "Case"),
    "cases_cases": ("Antal fall", "Number of cases"),
    "cases_share": ("Andel av fallen", "Share of cases"),
    "cases_facet": ("Fasett", "Facet"),
    "cases_facet_enhancement": ("Förbättring", "Enhancement-oriented"),
    "cases_facet_mission": ("Uppdrag", "Mission-oriented"),
    "cases_facet_adaptive": ("Anpassning", "Adaptive"),
    "cases_facet_anticipatory": ("Förutseende", "Anticipatory"),
    "cases_role_primary": ("Primär fasett", "Primary facet"),
    "cases_role_secondary": ("Sekundär fasett", "Secondary facet"),
    "cases_facets_title": ("Fasetter per plattform", "Facets per platform"),
    "cases_facets_sub": ("primär fasett, andel av plattformens fall", "primary facet, share of the platform's cases"),
    "cases_stage": ("Fas", "Stage"),
    "cases_stage_identifying_problems": ("Identifiera problem", "Identifying problems"),
    "cases_stage_generating_ideas": ("Generera idéer", "Generating ideas"),
    "cases_stage_developing_proposals": ("Utveckla förslag", "Developing proposals"),
    "cases_stage_implementation": ("Genomförande", "Implementation"),
    "cases_stage_evaluation": ("Utvärdering", "Evaluation"),
    "cases_stage_diffusing_lessons": ("Sprida lärdomar", "Diffusing lessons"),
    "cases_funnel_title": ("Livscykeln: hur långt fallen har kommit", "The lifecycle: how far the cases have come"),
    "cases_reached": ("Har nått fasen", "Reached the stage"),
    "cases_in_stage": ("Anger fasen", "List the stage"),
    "cases_sdg_title": ("Globala mål: fall per mål", "Global goals: cases per goal"),
    "cases_sdg_sub": ("NATSAM:s sju mål markerade", "NATSAM's seven goals highlighted"),
    "cases_sdg_primary": ("Primärt mål", "Primary goal"),
    "cases_sdg_targets": ("Med delmål i målet", "With a target of the goal"),
    "cases_sdg_goal": ("Globalt mål", "Global goal"),
    "cases_sdg_natsam": ("NATSAM-mål", "NATSAM goal"),
    "cases_sdg_heatmap_title": ("Delmål per plattform", "Targets per platform"),
    "cases_sdg_target": ("Delmål", "Target"),
    "cases_gender_title": ("Vinnovas tre steg för jämställdhet", "Vinnova's three steps for gender equality"),
    "cases_gender_sub": ("andel av fallen där uppgiften finns", "share of the cases where it is known"),
    "cases_step_gender_analysis": ("Genusanalys gjord", "Gender analysis done"),
    "cases_step_team_balance": ("Jämn könsfördelning i teamet (40/60)", "Gender-balanced team (40/60)"),
    "cases_step_norm_critical_review": ("Normkritisk granskning", "Norm-critical review"),
    "cases_all": ("Alla", "All"),
    "cases_known": ("Uppgift finns", "Known"),
    "cases_yes": ("Ja", "Yes"),
    "cases_reuse_title": ("Återanvändning mellan kommuner", "Reuse between municipalities"),
    "cases_reuse_from": ("Från", "From"),
    "cases_reuse_to": ("Till", "To"),
    "cases_list_title": ("Fallen", "The cases"),
    "cases_detail_title": ("Fallets uppgifter", "The case's fields"),
    "cases_field": ("Fält", "Field"),
    "cases_value": ("Värde", "Value"),
    "cases_year": ("Startår", "Year launched"),
    "cases_no_cases": ("Inga fall att visa.", "No cases to show."),
    "cases_unknown_platform": ("Okänd plattform: välj en av {platforms}.", "Unknown platform: choose one of {platforms}."),
    "cases_unknown_case": ("Okänt fall: {case_id}.", "Unknown case: {case_id}."),
    # survey (enkäten Kommunal innovationsförmåga)
    "survey_title": ("Enkäten Kommunal innovationsförmåga", "The survey Municipal innovation capability"),
    "survey_intro": (
        "Konstruktpoäng (medelvärde 1–5 efter omvänd kodning, minst 60 % besvarade påståenden) per grupp med "
        "95 % konfidensintervall. Grupper med färre än {min_n} svar visas som ”för få svar”, liksom den grupp som "
        "annars skulle avslöja dem.",
        "Construct scores (mean 1–5 after reverse coding, at least 60 % of items answered) per group with 95 % "
        "confidence intervals. Groups of fewer than {min_n} respondents are shown as “too few responses”, as is "
        "the group that would otherwise reveal them.",
    ),
    "survey_source": ("Källa: enkäten Kommunal innovationsförmåga ({file})",
                      "Source: the survey Municipal innovation capability ({file})"),
    "survey_too_few": ("för få svar", "too few responses"),
    "survey_summary_title": ("Enkät: Kommunal innovationsförmåga – {source}",
                             "Survey: Municipal innovation capability – {source}"),
    "survey_summary_respondents": ("Svarande: {n}", "Respondents: {n}"),
    "survey_summary_municipalities": ("Kommuner: {n} ({names})", "Municipalities: {n} ({names})"),
    "survey_summary_waves": ("Vågor: {n} ({waves})", "Waves: {n} ({waves})"),
    "survey_summary_answered": ("Besvarade påståenden: {answered} (Vet ej / Ej relevant {dont_know}, tomma {blank})",
                                "Items answered: {answered} (Don't know / Not relevant {dont_know}, blank {blank})"),
    "survey_group": ("Grupp", "Group"),
    "survey_n": ("Antal svar", "Responses"),
    "survey_construct": ("Konstrukt", "Construct"),
    "survey_mean": ("Medelvärde (1–5)", "Mean (1–5)"),
    "survey_ci": ("95 % konfidensintervall", "95% confidence interval"),
    "survey_index": ("Index (0–100)", "Index (0–100)"),
    "survey_by": ("Gruppera efter", "Group by"),
    "survey_by_municipality": ("Kommun", "Municipality"),
    "survey_by_role": ("Roll", "Role"),
    "survey_by_gender": ("Kön", "Gender"),
    "survey_by_wave": ("Våg", "Wave"),
    "survey_all": ("Alla", "All"),
    "survey_profile_title": ("Konstruktprofil per plattformskommun och våg", "Construct profile by platform municipality and wave"),
    "survey_group_title": ("{construct} per {by}", "{construct} by {by}"),
    "survey_reliability": ("Reliabilitet per konstrukt (hela urvalet)", "Reliability per construct (whole sample)"),
    "survey_difference": ("Skillnad", "Difference"),
    "survey_suppressed_note": ("”för få svar”: färre än {min_n} svar, eller dold för att en annan dold grupp inte ska kunna räknas fram.",
                               "“too few responses”: fewer than {min_n} responses, or hidden so that another hidden group cannot be worked out."),
    "survey_construct_choice": ("Konstrukt", "Construct"),
    "survey_no_data": ("Enkätdata saknas", "No survey data"),
    # exported notebook pages (natsam_analysis.notebooks)
    "export_generated": ("Körd {date} med natsam-analysis {version}.", "Run on {date} with natsam-analysis {version}."),
    "figure_not_drawn": ("Diagrammet kunde inte ritas: sidans plotly.js saknas eller är blockerat.",
                         "The chart could not be drawn: the page's plotly.js is missing or blocked."),
    "export_figures": ("{n} figurer", "{n} figures"),
    "export_index_title": ("Forskningsanteckningsböckerna, körda och exporterade", "The research notebooks, run and exported"),
}


def check_language(lang: str | None) -> str:
    """Return a valid language code (``None`` -> the default from ``NATSAM_LANG``)."""
    lang = default_language() if lang is None else lang
    if lang not in LANGUAGES:
        raise NatsamError(f"Unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}.")
    return lang


def label(key: str, lang: str | None = None, **fields: object) -> str:
    """The label ``key`` in ``lang`` ("sv" or "en"), with ``{fields}`` filled in."""
    lang = check_language(lang)
    try:
        sv, en = LABELS[key]
    except KeyError:
        raise NatsamError(f"No label {key!r} in natsam_analysis.i18n.LABELS.") from None
    text = sv if lang == "sv" else en
    return text.format(**fields) if fields else text


_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}", "ü": "y", "é": "e"})


def swedish_sort_key(text: str) -> str:
    """Sort key that puts å, ä, ö after z, in that order, as Swedish dictionaries do.

    Examples
    --------
    >>> sorted(["Örebro", "Åre", "Älmhult", "Zinkgruvan"], key=swedish_sort_key)
    ['Zinkgruvan', 'Åre', 'Älmhult', 'Örebro']
    """
    return text.lower().translate(_SWEDISH_ORDER)


def demo_note(lang: str | None = None) -> str:
    """The visible demo-data note in ``lang``."""
    return DEMO_NOTE[check_language(lang)]
